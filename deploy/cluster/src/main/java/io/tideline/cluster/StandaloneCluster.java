/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real standalone Flink session cluster: a JobManager ({@code
 * StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}) in JVMs of
 * their own, sized by Flink's own {@code BashJavaUtils} exactly as {@code bin/jobmanager.sh} and
 * {@code bin/taskmanager.sh} do, and driven through Flink's CLI front end ({@code flink run},
 * {@code stop}, {@code list}).
 *
 * <p>It needs no Flink download: the class path is the Maven artifacts of a distribution.
 */
public final class StandaloneCluster implements AutoCloseable {

    private static final Pattern EXEC_RESULT = Pattern.compile("BASH_JAVA_UTILS_EXEC_RESULT:(.*)");
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");
    private static final String JVM_OPENS =
            "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED"
                    + " --add-opens=java.base/java.util=ALL-UNNAMED"
                    + " --add-opens=java.base/java.lang.invoke=ALL-UNNAMED"
                    + " --add-opens=java.base/sun.nio.ch=ALL-UNNAMED";

    private final Path dir;
    private final Path confDir;
    private final String classpath;
    private final URI rest;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private StandaloneCluster(Path dir, Path confDir, String classpath, URI rest) {
        this.dir = dir;
        this.confDir = confDir;
        this.classpath = classpath;
        this.rest = rest;
    }

    /** What a CLI call printed and returned. */
    public record CliResult(int exitCode, String output) {}

    /**
     * Starts a JobManager and {@code taskManagers} TaskManagers.
     *
     * @param baseConfig the cluster's {@code config.yaml} (deploy/flink/config.yaml)
     * @param dir the folder for the configuration, logs, checkpoints and temporary files
     * @param classpath the Flink distribution's jars
     * @param overrides options that replace those of {@code baseConfig}
     */
    public static StandaloneCluster start(
            Path baseConfig,
            Path dir,
            String classpath,
            int taskManagers,
            Map<String, String> overrides)
            throws Exception {
        Files.createDirectories(dir.resolve("log"));
        Path confDir = Files.createDirectories(dir.resolve("conf"));
        Map<String, String> conf = flatten(new YAMLMapper().readTree(baseConfig.toFile()));
        int restPort = freePort();
        conf.put("rest.port", String.valueOf(restPort));
        conf.put("rest.bind-port", String.valueOf(restPort));
        conf.put("jobmanager.rpc.port", String.valueOf(freePort()));
        conf.put("blob.server.port", String.valueOf(freePort()));
        conf.put("taskmanager.rpc.port", "0");
        conf.put("taskmanager.data.port", "0");
        int promBase = Math.min(freePort(), 65_500);
        conf.put("metrics.reporter.prom.port", promBase + "-" + (promBase + 20));
        for (String key :
                List.of("io.tmp.dirs", "web.tmpdir", "web.upload.dir", "blob.storage.directory")) {
            conf.put(key, Files.createDirectories(dir.resolve("tmp").resolve(key)).toString());
        }
        conf.put("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        conf.put(
                "execution.checkpointing.savepoint-dir",
                dir.resolve("savepoints").toUri().toString());
        conf.putAll(overrides);
        StringBuilder yaml = new StringBuilder("# Generated from " + baseConfig + "\n");
        conf.forEach((k, v) -> yaml.append(k).append(": ").append(quote(v)).append('\n'));
        Files.writeString(confDir.resolve("config.yaml"), yaml, StandardCharsets.UTF_8);
        Files.writeString(
                confDir.resolve("log4j.properties"),
                String.join(
                        "\n",
                        "rootLogger.level = INFO",
                        "rootLogger.appenderRef.file.ref = file",
                        "appender.file.type = File",
                        "appender.file.name = file",
                        "appender.file.fileName = ${sys:log.file}",
                        "appender.file.layout.type = PatternLayout",
                        "appender.file.layout.pattern = %d{HH:mm:ss.SSS} %-5p %t %c{1} - %m%n",
                        "logger.kafka.name = org.apache.kafka",
                        "logger.kafka.level = WARN",
                        ""),
                StandardCharsets.UTF_8);

        StandaloneCluster cluster =
                new StandaloneCluster(
                        dir, confDir, classpath, URI.create("http://localhost:" + restPort));
        try {
            cluster.startProcess(
                    "jobmanager",
                    "GET_JM_RESOURCE_PARAMS",
                    "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                    List.of("--executionMode", "cluster"));
            cluster.awaitRest(Duration.ofSeconds(60));
            for (int i = 0; i < taskManagers; i++) {
                cluster.startProcess(
                        "taskmanager-" + i,
                        "GET_TM_RESOURCE_PARAMS",
                        "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                        List.of());
            }
            int slots = Integer.parseInt(conf.getOrDefault("taskmanager.numberOfTaskSlots", "1"));
            cluster.awaitTaskManagers(taskManagers, taskManagers * slots, Duration.ofSeconds(90));
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    private void startProcess(
            String name, String resourceCommand, String mainClass, List<String> args)
            throws Exception {
        // Exactly what bin/jobmanager.sh and bin/taskmanager.sh do: ask Flink for the JVM memory
        // flags and the dynamic properties that fix the memory model, then start the JVM.
        CliResult params =
                java(
                        List.of(),
                        "org.apache.flink.runtime.util.bash.BashJavaUtils",
                        List.of(resourceCommand, "--configDir", confDir.toString()),
                        null);
        List<String> results = new ArrayList<>();
        for (String line : params.output().split("\n")) {
            Matcher m = EXEC_RESULT.matcher(line.trim());
            if (m.matches()) {
                results.add(m.group(1).trim());
            }
        }
        if (params.exitCode() != 0 || results.isEmpty()) {
            throw new IllegalStateException(
                    "BashJavaUtils " + resourceCommand + " failed:\n" + params.output());
        }
        List<String> jvm = new ArrayList<>(List.of(results.get(0).split("\\s+")));
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(jvm);
        command.addAll(List.of(JVM_OPENS.split(" ")));
        command.add("-Dlog.file=" + dir.resolve("log").resolve(name + ".log"));
        command.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        command.add("-cp");
        command.add(classpath);
        command.add(ParentWatchdog.class.getName());
        command.add(mainClass);
        command.add("--configDir");
        command.add(confDir.toString());
        command.addAll(args);
        if (results.size() > 1) {
            command.addAll(List.of(results.get(results.size() - 1).split("\\s+")));
        }
        Process p =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("log").resolve(name + ".out").toFile())
                        .start();
        processes.add(p);
    }

    private void awaitRest(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (get("/overview").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            checkAlive();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the JobManager's REST endpoint did not come up; see "
                                + dir.resolve("log"));
            }
            TimeUnit.MILLISECONDS.sleep(
                    200); // polling interval of a readiness probe, not a wait for an outcome
        }
    }

    private void awaitTaskManagers(int n, int slots, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode overview = new YAMLMapper().readTree(get("/overview").body());
            if (overview.path("taskmanagers").asInt() >= n
                    && overview.path("slots-total").asInt() >= slots) {
                return;
            }
            checkAlive();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        overview.path("taskmanagers").asInt()
                                + " of "
                                + n
                                + " TaskManagers registered; see "
                                + dir.resolve("log"));
            }
            TimeUnit.MILLISECONDS.sleep(200); // readiness polling interval
        }
    }

    private void checkAlive() {
        for (Process p : processes) {
            if (!p.isAlive()) {
                throw new IllegalStateException(
                        "a cluster process exited with code "
                                + p.exitValue()
                                + "; see "
                                + dir.resolve("log"));
            }
        }
    }

    /** GETs a REST path of the JobManager. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The status of a job, as the REST API reports it (RUNNING, FINISHED, ...). */
    public String jobStatus(String jobId) throws Exception {
        return new YAMLMapper().readTree(get("/jobs/" + jobId).body()).path("state").asText();
    }

    public URI restAddress() {
        return rest;
    }

    public Path confDir() {
        return confDir;
    }

    /** Runs Flink's CLI front end ({@code flink ARGS}) against this cluster. */
    public CliResult cli(String... args) throws Exception {
        return java(
                List.of(
                        "-Dlog.file=" + dir.resolve("log").resolve("client.log"),
                        "-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri()),
                "org.apache.flink.client.cli.CliFrontend",
                List.of(args),
                Map.of("FLINK_CONF_DIR", confDir.toString()));
    }

    /** {@code flink run -d -c MAIN JAR ARGS}; returns the job id. */
    public String submit(Path jar, String mainClass, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("run", "-d", "-c", mainClass, jar.toString()));
        cmd.addAll(List.of(args));
        return jobIdOf(cli(cmd.toArray(String[]::new)));
    }

    /** {@code flink run -d -s SAVEPOINT -c MAIN JAR ARGS}; returns the job id. */
    public String resume(String savepoint, Path jar, String mainClass, String... args)
            throws Exception {
        List<String> cmd =
                new ArrayList<>(
                        List.of("run", "-d", "-s", savepoint, "-c", mainClass, jar.toString()));
        cmd.addAll(List.of(args));
        return jobIdOf(cli(cmd.toArray(String[]::new)));
    }

    /** {@code flink stop --savepointPath DIR JOB}; returns the savepoint's path. */
    public String stopWithSavepoint(String jobId, Path savepointDir) throws Exception {
        CliResult r = cli("stop", "--savepointPath", savepointDir.toUri().toString(), jobId);
        Matcher m = SAVEPOINT.matcher(r.output());
        if (r.exitCode() != 0 || !m.find()) {
            throw new IllegalStateException("stop with savepoint failed:\n" + r.output());
        }
        return m.group(1);
    }

    private static String jobIdOf(CliResult r) {
        Matcher m = JOB_ID.matcher(r.output());
        if (r.exitCode() != 0 || !m.find()) {
            throw new IllegalStateException("job submission failed:\n" + r.output());
        }
        return m.group(1);
    }

    private CliResult java(
            List<String> jvmArgs, String mainClass, List<String> args, Map<String, String> env)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(List.of(JVM_OPENS.split(" ")));
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (env != null) {
            pb.environment().putAll(env);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(mainClass + " did not finish in 5 minutes:\n" + out);
        }
        return new CliResult(p.exitValue(), out);
    }

    /** Stops the TaskManagers, then the JobManager. */
    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            p.destroy();
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    private static Map<String, String> flatten(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", node, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                flatten(
                        prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(),
                        f.getValue(),
                        out);
            }
        } else {
            out.put(prefix, node.asText());
        }
    }

    private static String quote(String v) {
        return "'" + v.replace("'", "''") + "'";
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
