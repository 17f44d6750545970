/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs the real Flink SQL client ({@code org.apache.flink.table.client.SqlClient}, embedded mode,
 * local execution) in its own JVM, on the test class path, and returns what it printed.
 */
public final class SqlClientProcess {

    private SqlClientProcess() {}

    /**
     * @param dir where the rendered init file, the client's configuration and history go
     * @param initSql the init file's text, variables substituted
     * @param script the file the client runs with {@code -f}
     */
    static String run(Path dir, String initSql, Path script) throws Exception {
        return run(
                dir,
                initSql,
                script,
                Map.of("parallelism.default", "1", "taskmanager.numberOfTaskSlots", "2"),
                "768m",
                Duration.ofSeconds(150));
    }

    /**
     * As {@link #run(Path, String, Path)}, with Flink options for the client's local cluster, a
     * heap size and a time limit.
     */
    public static String run(
            Path dir,
            String initSql,
            Path script,
            Map<String, String> flinkOptions,
            String heap,
            Duration timeout)
            throws Exception {
        Path init = dir.resolve("sql-client-init.sql");
        Files.writeString(init, initSql);
        Path conf = Files.createDirectories(dir.resolve("sql-client-conf"));
        Files.writeString(
                conf.resolve("config.yaml"),
                flinkOptions.entrySet().stream()
                                .map(e -> e.getKey() + ": " + e.getValue() + "\n")
                                .collect(Collectors.joining())
                        + "restart-strategy.type: none\n"
                        + "io.tmp.dirs: "
                        + Files.createDirectories(dir.resolve("sql-client-tmp"))
                        + "\n");
        Path out = dir.resolve("sql-client.out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb =
                new ProcessBuilder(
                        List.of(
                                java,
                                "-Xmx" + heap,
                                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                                "--add-opens=java.base/java.util=ALL-UNNAMED",
                                "-Djava.io.tmpdir=" + dir,
                                "-cp",
                                System.getProperty("java.class.path"),
                                "org.apache.flink.table.client.SqlClient",
                                "embedded",
                                "-hist",
                                dir.resolve("sql-client.history").toString(),
                                "-i",
                                init.toString(),
                                "-f",
                                script.toString(),
                                "-D",
                                "execution.target=local",
                                "-D",
                                "rest.port=0"));
        pb.environment().put("FLINK_CONF_DIR", conf.toString());
        pb.redirectErrorStream(true).redirectOutput(out.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(
                    "the SQL client did not finish in " + timeout + ":\n" + Files.readString(out));
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        // The client exits 0 even when a statement fails: the output is what tells.
        if (p.exitValue() != 0) {
            throw new AssertionError("the SQL client exited " + p.exitValue() + ":\n" + output);
        }
        return output;
    }
}
