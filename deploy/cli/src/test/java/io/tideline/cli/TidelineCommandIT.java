/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tideline.testkit.Await;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the {@code tideline} launcher as a user would, one process per command, and checks exit
 * codes, output and the JSON summaries.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class TidelineCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path HOME = Path.of(System.getProperty("tideline.home")).toAbsolutePath();
    private static final int EVENTS = 40;

    private static Path dir;
    private static Process localUp;
    private static Path localUpLog;
    private static Path written;

    record Run(int exitCode, String stdout, String stderr) {}

    @BeforeAll
    static void folders() throws Exception {
        dir =
                Files.createDirectories(
                        Path.of(
                                System.getProperty("tideline.test.dir"),
                                "cli-" + System.nanoTime()));
    }

    @AfterAll
    static void stopLocalUp() throws Exception {
        if (localUp != null && localUp.isAlive()) {
            localUp.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static ProcessBuilder tideline(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(HOME.resolve("tideline").toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().put("TIDELINE_NO_BUILD", "1");
        pb.environment().remove("TIDELINE_CONFIG");
        return pb;
    }

    private static Run run(String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out-", ".txt");
        Path err = Files.createTempFile(dir, "err-", ".txt");
        Process p =
                tideline(List.of(args))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("tideline %s ends", List.of(args)).isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    @Order(1)
    void everySubcommandHasHelp() throws Exception {
        Run top = run("--help");
        assertThat(top.exitCode()).isZero();
        assertThat(top.stdout())
                .contains("Usage: tideline", "demo", "local", "ingest", "sql", "sync", "maintain")
                .contains("Exit codes", "78   invalid configuration")
                // No class path and no JVM flag reaches the user.
                .doesNotContain("--add-opens", "io.tideline.");
        for (String sub :
                List.of(
                        "demo",
                        "local up",
                        "ingest",
                        "sql build",
                        "sync run",
                        "maintain",
                        "config check")) {
            Run help = run((sub + " --help").split(" "));
            assertThat(help.exitCode()).as(sub).isZero();
            assertThat(help.stdout()).as(sub).contains("Usage: tideline " + sub);
        }
        Run wrong = run("ingest", "--mode", "sideways");
        assertThat(wrong.exitCode()).isEqualTo(64);
    }

    @Test
    @Order(2)
    void configCheckListsEveryProblemOfABadFile() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(
                bad,
                """
                postgres:
                  host: db.internal
                  port: fivefourthreetwo
                flink:
                  parallelism: 2.7
                  paralelism: 2
                catalog:
                  type: jdbc
                  type: rest
                """);
        Run r = run("config", "check", bad.toString());
        assertThat(r.exitCode()).isEqualTo(78);
        assertThat(r.stdout())
                .contains("(5 problems)")
                .contains("postgres.port: expected a whole number, got 'fivefourthreetwo' (line 3")
                .contains("flink.parallelism: expected a whole number, got '2.7' (line 5")
                .contains("flink.paralelism: unknown key 'paralelism' (line 6")
                .contains("catalog.type: duplicate key 'type' (line 9")
                .contains("catalog.uri");
        Run json = run("config", "check", "--json", bad.toString());
        JsonNode j = JSON.readTree(json.stdout());
        assertThat(j.path("valid").asBoolean()).isFalse();
        assertThat(j.path("problems")).hasSize(5);
        assertThat(j.path("exit_code").asInt()).isEqualTo(78);

        Run good = run("config", "check", HOME.resolve("deploy/local/tideline.yaml").toString());
        assertThat(good.exitCode()).isZero();
        assertThat(good.stdout()).contains("is valid", "customers-to-hubspot");
    }

    @Test
    @Order(3)
    void demoAtASmallSizeAddsUp() throws Exception {
        Path summary = dir.resolve("demo.json");
        Run r =
                run(
                        "demo",
                        "--customers",
                        "30",
                        "--events",
                        "300",
                        "--orders",
                        "40",
                        "--days",
                        "3",
                        "--json",
                        "--summary-json",
                        summary.toString());
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        JsonNode j = JSON.readTree(r.stdout());
        assertThat(j.path("ok").asBoolean()).isTrue();
        assertThat(j.path("summary").path("ok").asBoolean()).isTrue();
        assertThat(j.path("summary").path("generated").path("events_sent").asLong())
                .isEqualTo(j.path("summary").path("ingestion").path("events").path("read").asLong())
                .isGreaterThanOrEqualTo(300);
        assertThat(JSON.readTree(summary.toFile()).path("checks")).isNotEmpty();
        assertThat(r.stderr()).contains("RESULT: OK, every figure adds up");
    }

    @Test
    @Order(4)
    void localUpThenBatchIngestionOfTheUsersOwnTopic() throws Exception {
        Path data = dir.resolve("platform");
        Path config = dir.resolve("mine.yaml");
        Files.writeString(
                config,
                """
                local:
                  data-dir: %s
                catalog:
                  type: hadoop
                  warehouse: %s/warehouse
                flink:
                  parallelism: 1
                  checkpoint-interval: 1s
                sources:
                  clicks:
                    kind: kafka
                    topic: my-clicks
                    starting-offsets: earliest
                    key: [event_id]
                    event-time: event_time
                    columns:
                      event_id:    {type: string, required: true}
                      event_type:  {type: string}
                      customer_id: {type: string}
                      event_time:  {type: timestamp, from: occurred_at, required: true}
                sql:
                  dir: %s
                """
                        .formatted(data, data, HOME.resolve("sql")));
        localUpLog = dir.resolve("local-up.txt");
        localUp =
                tideline(List.of("local", "up", "--config", config.toString()))
                        .redirectErrorStream(true)
                        .redirectOutput(localUpLog.toFile())
                        .start();
        written = data.resolve("tideline-local.yaml");
        Await.until(
                "local up is ready",
                Duration.ofMinutes(2),
                () -> {
                    assertThat(localUp.isAlive()).as(Files.readString(localUpLog)).isTrue();
                    return Files.readString(localUpLog).contains("Press Ctrl-C");
                });
        String log = Files.readString(localUpLog);
        assertThat(log).contains("flink_ui", "kafka", "configuration", written.toString());

        // The written configuration loads, with the running parts as external ones.
        Run check = run("config", "check", written.toString());
        assertThat(check.exitCode()).as(check.stdout() + check.stderr()).isZero();
        assertThat(check.stdout()).contains("embedded: false", "execution.target: \"remote\"");

        // The user's own events, into the user's own topic.
        String servers =
                log.lines()
                        .filter(l -> l.trim().startsWith("kafka "))
                        .findFirst()
                        .orElseThrow()
                        .trim()
                        .substring("kafka".length())
                        .trim();
        Properties p = new Properties();
        p.put("bootstrap.servers", servers);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < EVENTS; i++) {
                String event =
                        "{\"event_id\":\"e-%d\",\"event_type\":\"page_view\",\"customer_id\":\"%d\",\"occurred_at\":\"%s\"}"
                                .formatted(i, i % 7, java.time.Instant.now().minusSeconds(60));
                producer.send(new ProducerRecord<>("my-clicks", "e-" + i, event)).get();
            }
        }

        Run ingest = run("ingest", "--mode", "batch", "--config", written.toString(), "--json");
        assertThat(ingest.exitCode()).as(ingest.stderr()).isZero();
        JsonNode j = JSON.readTree(ingest.stdout());
        assertThat(j.path("ingestion").path("clicks").path("read").asLong()).isEqualTo(EVENTS);
        assertThat(j.path("ingestion").path("clicks").path("accepted").asLong()).isEqualTo(EVENTS);
        assertThat(j.path("ingestion").has("orders")).isFalse();
        // It ran on the platform's own Flink, whose UI shows it.
        assertThat(j.path("flink_ui").asText()).isEqualTo(flinkUi(log));

        // --flink URL: the job jar through the REST API, as `flink run` would. The written-back
        // configuration targets the platform itself, so the cluster gets one without that.
        Run refused =
                run(
                        "ingest",
                        "--mode",
                        "streaming",
                        "--flink",
                        flinkUi(log),
                        "--config",
                        written.toString());
        assertThat(refused.exitCode()).isEqualTo(64);
        assertThat(refused.stderr()).contains("execution.target");
        Path cluster = dir.resolve("cluster.yaml");
        Files.writeString(
                cluster,
                Files.readString(written)
                        .lines()
                        .filter(
                                l ->
                                        !l.matches(
                                                "\\s+(execution\\.target|execution\\.attached|rest\\.address|rest\\.port):.*"))
                        .collect(java.util.stream.Collectors.joining("\n")));
        Run submitted =
                run(
                        "ingest",
                        "--mode",
                        "streaming",
                        "--flink",
                        flinkUi(log),
                        "--config",
                        cluster.toString(),
                        "--json");
        assertThat(submitted.exitCode()).as(submitted.stderr()).isZero();
        String job = JSON.readTree(submitted.stdout()).path("job_id").asText();
        assertThat(job).matches("[0-9a-f]{32}");
        assertThat(submitted.stderr()).contains("/#/job/running/" + job);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        Await.until(
                "the submitted job runs",
                Duration.ofMinutes(1),
                () ->
                        http.send(
                                        java.net.http.HttpRequest.newBuilder(
                                                        java.net.URI.create(
                                                                flinkUi(log) + "/jobs/" + job))
                                                .build(),
                                        java.net.http.HttpResponse.BodyHandlers.ofString())
                                .body()
                                .contains("\"state\":\"RUNNING\""));
        http.send(
                java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create(flinkUi(log) + "/jobs/" + job + "?mode=cancel"))
                        .method("PATCH", java.net.http.HttpRequest.BodyPublishers.noBody())
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(5)
    void streamingIngestionStopsWithASavepointOnSigterm() throws Exception {
        assertThat(written).as("local up runs (the test before)").isNotNull();
        Path out = dir.resolve("streaming.txt");
        Process streaming =
                tideline(
                                List.of(
                                        "ingest",
                                        "--mode",
                                        "streaming",
                                        "--every",
                                        "1s",
                                        "--config",
                                        written.toString()))
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
        Await.until(
                "the streaming job prints its counts",
                Duration.ofMinutes(2),
                () -> {
                    assertThat(streaming.isAlive()).as(Files.readString(out)).isTrue();
                    return Files.readString(out).contains("clicks read " + EVENTS);
                });
        long stop = System.nanoTime();
        streaming.destroy(); // SIGTERM
        assertThat(streaming.waitFor(30, TimeUnit.SECONDS))
                .as("exits within 30 s of SIGTERM:\n%s", Files.readString(out))
                .isTrue();
        String text = Files.readString(out);
        assertThat(streaming.exitValue()).as(text).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - stop)).isLessThan(Duration.ofSeconds(30));
        assertThat(text).contains("SIGTERM: stopping job", "clicks: ", "Savepoint: ");
        String savepoint =
                text.lines()
                        .filter(l -> l.startsWith("Savepoint: "))
                        .findFirst()
                        .orElseThrow()
                        .substring("Savepoint: ".length())
                        .trim();
        File metadata = new File(java.net.URI.create(savepoint).getPath(), "_metadata");
        assertThat(metadata).exists().isNotEmpty();

        // Then local up stops too, on SIGTERM, and says so.
        localUp.destroy();
        assertThat(localUp.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(localUp.exitValue()).isZero();
        assertThat(Files.readString(localUpLog, StandardCharsets.UTF_8)).contains("local: stopped");
    }

    private static String flinkUi(String log) {
        return log.lines()
                .filter(l -> l.trim().startsWith("flink_ui"))
                .findFirst()
                .orElseThrow()
                .trim()
                .substring("flink_ui".length())
                .trim();
    }
}
