/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Submits the shaded {@code pipelines} job jar to a running Flink cluster through its REST API, as
 * {@code flink run} does: {@code POST /jars/upload}, then {@code POST /jars/:id/run} with the entry
 * class and its arguments. The configuration file named in the arguments is read by the cluster's
 * JobManager, so give the path it has there (a mounted ConfigMap, for example).
 */
final class FlinkRest {

    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    FlinkRest(String url) {
        this.base = URI.create(url.endsWith("/") ? url : url + "/");
    }

    /** The job jar of this checkout: {@code pipelines/target/tideline-pipelines-*-job.jar}. */
    static Path jobJar() {
        Path target = Tideline.home().resolve("pipelines/target");
        try (DirectoryStream<Path> jars =
                Files.newDirectoryStream(target, "tideline-pipelines-*-job.jar")) {
            for (Path jar : jars) {
                return jar;
            }
        } catch (IOException ignored) {
            // Reported below.
        }
        throw new CliException(
                Tideline.UNAVAILABLE,
                "no job jar in "
                        + target
                        + ": build it with ./mvnw -B package -DskipTests -pl pipelines -am");
    }

    /**
     * Refuses a configuration (when it is readable here) that itself targets a cluster, such as the
     * one {@code tideline local up} writes: inside the cluster its job would submit to that target
     * instead of running where it was submitted.
     */
    static void requireClusterConfig(Path config) {
        if (!Files.isRegularFile(config)) {
            return;
        }
        try {
            String target =
                    Configs.load(config).flink().settings().getOrDefault("execution.target", "");
            if (!target.isEmpty()) {
                throw new CliException(
                        Tideline.USAGE,
                        config
                                + " sets flink.settings.execution.target ("
                                + target
                                + "): give --flink the configuration of the cluster, without it"
                                + " (the one `tideline local up` writes is for running without"
                                + " --flink)");
            }
        } catch (CliException e) {
            if (e.exitCode() == Tideline.CONFIG) {
                return; // The cluster reads its own file; it may not load here (secrets).
            }
            throw e;
        }
    }

    /** Uploads {@code jar} and runs {@code entryClass} with {@code args}; returns the job id. */
    String submit(Path jar, String entryClass, List<String> args) throws Exception {
        String boundary = "tideline-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(
                ("--"
                                + boundary
                                + "\r\n"
                                + "Content-Disposition: form-data; name=\"jarfile\"; filename=\""
                                + jar.getFileName()
                                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode uploaded =
                send(
                        HttpRequest.newBuilder(base.resolve("jars/upload"))
                                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())),
                        "upload " + jar.getFileName());
        String file = uploaded.path("filename").asText();
        String jarId = file.substring(file.lastIndexOf('/') + 1);
        ObjectNode run = Report.JSON.createObjectNode();
        run.put("entryClass", entryClass);
        run.putPOJO("programArgsList", args);
        JsonNode started =
                send(
                        HttpRequest.newBuilder(base.resolve("jars/" + jarId + "/run"))
                                .header("Content-Type", "application/json")
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                Report.JSON.writeValueAsString(run))),
                        "run " + entryClass);
        String job = started.path("jobid").asText();
        if (job.isEmpty()) {
            throw new CliException(Tideline.FAILED, "the cluster started no job: " + started);
        }
        return job;
    }

    /** The job's state now: RUNNING, FINISHED, FAILED, ... */
    String state(String job) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve("jobs/" + job)).GET(), "job " + job)
                .path("state")
                .asText();
    }

    /** Waits until the job reaches a terminal state and returns it. */
    String awaitTerminal(String job, Duration timeout, Report report) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            String state = state(job);
            if (!state.equals(last)) {
                report.progress("job " + job + ": " + state);
                last = state;
            }
            if (List.of("FINISHED", "FAILED", "CANCELED").contains(state)) {
                return state;
            }
            Thread.sleep(1000);
        }
        return last;
    }

    String jobLink(String job) {
        return base + "#/job/running/" + job + "/overview";
    }

    /** The innermost "Caused by" of a REST error's stack trace, or the body as it is. */
    static String firstCause(String body) {
        String text = body;
        try {
            JsonNode errors = Report.JSON.readTree(body).path("errors");
            if (errors.size() > 0) {
                text = errors.get(0).asText();
            }
        } catch (Exception notJson) {
            return body;
        }
        String cause = text.lines().findFirst().orElse(text);
        for (String line : text.split("\n")) {
            if (line.startsWith("Caused by: ")) {
                cause = line.substring("Caused by: ".length());
            }
        }
        return cause;
    }

    private JsonNode send(HttpRequest.Builder request, String what) throws Exception {
        HttpResponse<String> response;
        try {
            response =
                    http.send(
                            request.timeout(Duration.ofMinutes(2)).build(),
                            HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CliException(Tideline.UNAVAILABLE, "no Flink cluster answers at " + base);
        }
        if (response.statusCode() / 100 != 2) {
            throw new CliException(
                    Tideline.FAILED,
                    what
                            + " on "
                            + base
                            + ": HTTP "
                            + response.statusCode()
                            + ": "
                            + firstCause(response.body()));
        }
        return Report.JSON.readTree(response.body());
    }
}
