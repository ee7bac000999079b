package dev.jvfio.qemu;

/**
 * Indented XML, one element per line, attributes in single quotes as libvirt writes them (so JSON in
 * {@code <qemu:arg value='{"driver":...}'/>} stays readable). Values are escaped here; the tests parse
 * what comes out with the JDK's XML parser.
 */
final class XmlLines {
    private final StringBuilder text = new StringBuilder();
    private int depth;

    /** {@code <name a='1'>}; attributes as name, value pairs. */
    XmlLines open(String name, String... attributes) {
        indent().append('<').append(name);
        attributes(attributes).append(">\n");
        depth++;
        return this;
    }

    XmlLines close(String name) {
        depth--;
        indent().append("</").append(name).append(">\n");
        return this;
    }

    /** {@code <name a='1'/>} */
    XmlLines empty(String name, String... attributes) {
        indent().append('<').append(name);
        attributes(attributes).append("/>\n");
        return this;
    }

    /** {@code <name a='1'>text</name>} */
    XmlLines leaf(String name, String content, String... attributes) {
        indent().append('<').append(name);
        attributes(attributes)
                .append('>')
                .append(escape(content, false))
                .append("</")
                .append(name)
                .append(">\n");
        return this;
    }

    /** A comment; several lines become one indented block. */
    XmlLines comment(String... lines) {
        for (String line : lines) {
            if (line.contains("--") || line.endsWith("-"))
                throw new IllegalArgumentException("not allowed in a comment: " + line);
        }
        if (lines.length == 1) {
            indent().append("<!-- ").append(lines[0]).append(" -->\n");
        } else {
            indent().append("<!--\n");
            for (String line : lines) {
                if (line.isEmpty()) text.append('\n');
                else indent().append("  ").append(line).append('\n');
            }
            indent().append("-->\n");
        }
        return this;
    }

    private StringBuilder attributes(String... pairs) {
        if (pairs.length % 2 != 0) throw new IllegalArgumentException("attributes come in name, value pairs");
        for (int i = 0; i < pairs.length; i += 2) {
            text.append(' ')
                    .append(pairs[i])
                    .append("='")
                    .append(escape(pairs[i + 1], true))
                    .append('\'');
        }
        return text;
    }

    private StringBuilder indent() {
        return text.append("  ".repeat(depth));
    }

    static String escape(String s, boolean attribute) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '\'' -> out.append(attribute ? "&apos;" : "'");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
