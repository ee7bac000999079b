package dev.jvfio.cli;

import java.util.ArrayList;
import java.util.List;

/** A small POSIX-shell word splitter for tests: quotes, backslash-newline continuations. */
final class ShellTokens {
    private ShellTokens() {}

    static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = null;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                i += 2; // line continuation
            } else if (c == ' ' || c == '\t' || c == '\n') {
                if (cur != null) words.add(cur.toString());
                cur = null;
                i++;
            } else if (c == '\'') {
                int end = text.indexOf('\'', i + 1);
                if (end < 0) throw new IllegalArgumentException("unterminated single quote at " + i);
                if (cur == null) cur = new StringBuilder();
                cur.append(text, i + 1, end);
                i = end + 1;
            } else if (c == '"') {
                throw new IllegalArgumentException("double quotes outside single quotes at " + i + " (not expected)");
            } else if (c == '\\') {
                if (cur == null) cur = new StringBuilder();
                cur.append(text.charAt(i + 1));
                i += 2;
            } else if ("$`;&|<>(){}*?[]#~".indexOf(c) >= 0 && cur == null) {
                throw new IllegalArgumentException("shell metacharacter '" + c + "' at " + i);
            } else {
                if ("$`;&|<>*?[]".indexOf(c) >= 0) {
                    throw new IllegalArgumentException("unquoted shell metacharacter '" + c + "' at " + i);
                }
                if (cur == null) cur = new StringBuilder();
                cur.append(c);
                i++;
            }
        }
        if (cur != null) words.add(cur.toString());
        return words;
    }
}
