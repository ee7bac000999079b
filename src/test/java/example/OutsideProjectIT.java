package example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * jvfio as a published library, checked after {@code package} against what the build made
 * (target/jvfio.jar, target/lib, the sources and javadoc jars): src/test/outside-project, a project
 * of its own that depends on dev.jvfio:jvfio, compiles with javac on the module path and runs as
 * a named module. javac rather than a nested Maven build: it needs no local repository and no
 * network, and takes seconds; the project's pom.xml is checked to name the version built here.
 */
class OutsideProjectIT {
    static final Path ROOT = Path.of(System.getProperty("user.dir"));
    static final Path TARGET = ROOT.resolve("target");
    static final Path PROJECT = ROOT.resolve("src/test/outside-project");
    static Path work;

    @BeforeAll
    static void workDir() throws IOException {
        work = Files.createDirectories(TARGET.resolve("outside-project"));
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (Stream<Path> s = Files.walk(work)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** target/jvfio.jar then target/lib's jars: what a dependency on dev.jvfio:jvfio brings. */
    static String modulePath() throws IOException {
        Path jar = TARGET.resolve("jvfio.jar");
        assertThat(jar).as("run after package").exists();
        List<String> path = new ArrayList<>(List.of(jar.toString()));
        try (Stream<Path> lib = Files.list(TARGET.resolve("lib"))) {
            lib.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> path.add(p.toString()));
        }
        return String.join(File.pathSeparator, path);
    }

    /** javac on the module path; returns the diagnostics, or null when it compiled. */
    static String compile(Path sources, Path out) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(sources)) {
            files = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        try (var fm = javac.getStandardFileManager(null, null, null)) {
            boolean ok = javac.getTask(
                            errors,
                            fm,
                            null,
                            List.of(
                                    "-proc:none",
                                    "--release",
                                    "25",
                                    "-d",
                                    out.toString(),
                                    "--module-path",
                                    modulePath()),
                            null,
                            fm.getJavaFileObjects(files.toArray(Path[]::new)))
                    .call();
            return ok ? null : errors.toString();
        }
    }

    @Test
    @DisplayName("the outside project's pom.xml depends on the groupId, artifactId and version this build makes")
    void pomNamesThisVersion() throws Exception {
        Element ours = xml(ROOT.resolve("pom.xml"));
        Element theirs = xml(PROJECT.resolve("pom.xml"));
        Element dep = (Element) theirs.getElementsByTagName("dependency").item(0);
        for (String field : List.of("groupId", "artifactId", "version")) {
            assertThat(text(dep, field)).as(field).isEqualTo(text(ours, field));
        }
    }

    @Test
    @DisplayName(
            "the outside project compiles against target/jvfio.jar as module dev.jvfio and runs: device served, client drives it")
    void compilesAndRuns() throws Exception {
        Path classes = Files.createDirectories(work.resolve("classes"));
        String errors = compile(PROJECT.resolve("src/main/java"), classes);
        assertThat(errors).as("javac").isNull();

        Path socket = work.resolve("outside.sock");
        Path launcher = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(
                        launcher.toString(),
                        "--enable-native-access=dev.jvfio",
                        "--module-path",
                        modulePath() + File.pathSeparator + classes,
                        "-m",
                        "com.example.outside/com.example.outside.Main",
                        socket.toString())
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor();
        }
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(ended).as("ended within 120 s: " + output).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("outside project: ok");
    }

    @Test
    @DisplayName("a package module dev.jvfio does not export (the wire format) is out of reach of an outside module")
    void internalPackagesAreClosed() throws Exception {
        Path src = Files.createDirectories(work.resolve("internal-src/com/example/peek"));
        Files.writeString(
                work.resolve("internal-src/module-info.java"), "module com.example.peek { requires dev.jvfio; }\n");
        Files.writeString(src.resolve("Peek.java"), """
                package com.example.peek;

                public final class Peek {
                    static final Class<?> HEADER = dev.jvfio.protocol.Header.class;
                }
                """);
        String errors =
                compile(work.resolve("internal-src"), Files.createDirectories(work.resolve("internal-classes")));
        assertThat(errors).as("javac refuses the wire format").isNotNull().contains("dev.jvfio.protocol");
    }

    @Test
    @DisplayName("the sources and javadoc jars sit beside the jar; the javadoc shows exported packages only")
    void sourcesAndJavadocJars() throws Exception {
        try (ZipFile sources = new ZipFile(TARGET.resolve("jvfio-sources.jar").toFile())) {
            assertThat(sources.getEntry("dev/jvfio/pci/VfioPciDevice.java")).isNotNull();
            assertThat(sources.getEntry("module-info.java")).isNotNull();
        }
        try (ZipFile javadoc = new ZipFile(TARGET.resolve("jvfio-javadoc.jar").toFile())) {
            List<String> names = javadoc.stream().map(e -> e.getName()).collect(Collectors.toList());
            assertThat(names).anyMatch(n -> n.endsWith("dev/jvfio/pci/VfioPciDevice.html"));
            assertThat(names).anyMatch(n -> n.endsWith("dev/jvfio/device/DmaSpace.html"));
            assertThat(names).noneMatch(n -> n.contains("dev/jvfio/protocol/"));
            assertThat(names).noneMatch(n -> n.contains("dev/jvfio/procfs/"));
        }
    }

    private static Element xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(file.toFile())
                .getDocumentElement();
    }

    /** The text of parent's direct child {@code tag}. */
    private static String text(Element parent, String tag) {
        for (var n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag))
                return e.getTextContent().strip();
        }
        throw new AssertionError("no <" + tag + "> in <" + parent.getTagName() + ">");
    }
}
