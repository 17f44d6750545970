/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs an entry point's {@code main} in a JVM of its own, with this one's class path and JVM
 * options (the {@code --add-opens} flags among them), so that its command-line contract (options,
 * output, exit code) is used as it is.
 */
final class ChildJvm {

    private ChildJvm() {}

    /** The java command line for {@code mainClass} with {@code args}. */
    static List<String> command(String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.startsWith("--add-opens")
                    || option.startsWith("-Xmx")
                    || option.startsWith("-Djava.io.tmpdir")
                    || option.startsWith("-Dtideline.")
                    || option.startsWith("-Dlog4j2.")) {
                cmd.add(option);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Runs it with stdin inherited, copying its output to {@code out} line by line.
     *
     * @return the exit code, and the output's lines
     */
    static Result run(String mainClass, List<String> args, Map<String, String> env, PrintStream out)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command(mainClass, args));
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.INHERIT);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
                out.println(line);
                out.flush();
            }
        }
        return new Result(p.waitFor(), lines);
    }

    /** Runs it attached to this terminal (the SQL client). */
    static int interactive(String mainClass, List<String> args, Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command(mainClass, args)).inheritIO();
        pb.environment().putAll(env);
        Process p = pb.start();
        // Ctrl-C reaches the child (same process group); this JVM waits for it.
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {});
        return p.waitFor();
    }

    record Result(int exitCode, List<String> lines) {}
}
