/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft Kafka broker in its own JVM, on free loopback ports, with its log under
 * one folder. It is configured for exactly-once producers on one node (transaction log replication
 * factor 1).
 */
public final class LocalKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKafka.class);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

    private final Process process;
    private final String bootstrapServers;
    private final Path dir;

    private LocalKafka(Process process, String bootstrapServers, Path dir) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
        this.dir = dir;
    }

    /** Starts a broker with its data in a fresh {@code dir} and waits until it serves requests. */
    public static LocalKafka start(Path dir) {
        Folders.fresh(dir);
        int port = FreePorts.next();
        int controllerPort = FreePorts.next();
        Path logDir = dir.resolve("data");
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put(
                "listeners",
                "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        props.put("num.partitions", "2");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "true");
        props.put("log.flush.interval.messages", "100000");
        // A local broker keeps everything: replayed history carries old record timestamps, which
        // time-based retention would otherwise delete.
        props.put("log.retention.ms", "-1");
        // Flink's exactly-once producer keeps transactions open for a checkpoint or more.
        props.put("transaction.max.timeout.ms", "3600000");
        Path propsFile = dir.resolve("server.properties");
        try (var out = Files.newBufferedWriter(propsFile, StandardCharsets.UTF_8)) {
            props.store(out, "Tideline embedded broker");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + propsFile, e);
        }

        Path log = dir.resolve("broker.log");
        List<String> command =
                List.of(
                        javaBinary(),
                        "-Xms128m",
                        "-Xmx768m",
                        "-XX:+UseSerialGC",
                        "-Djava.io.tmpdir=" + dir,
                        "-Dlog4j2.configurationFile=" + writeLogConfig(dir),
                        "-cp",
                        System.getProperty("java.class.path"),
                        KafkaBrokerMain.class.getName(),
                        propsFile.toString(),
                        UUID.randomUUID().toString().replace("-", "").substring(0, 22),
                        logDir.toString());
        Process process;
        try {
            process =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Kafka broker JVM", e);
        }
        String servers = "127.0.0.1:" + port;
        LocalKafka kafka = new LocalKafka(process, servers, dir);
        try {
            kafka.awaitReady();
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
        LOG.info("Kafka broker ready at {} (data in {})", servers, dir);
        return kafka;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        try (Admin admin = Admin.create(p)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "the Kafka broker exited with code "
                                    + process.exitValue()
                                    + " during startup; last lines of "
                                    + dir.resolve("broker.log")
                                    + ":\n"
                                    + tail(dir.resolve("broker.log"), 30));
                }
                try {
                    admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                    // A metadata round trip proves the broker half is serving, not only the socket.
                    admin.listTopics().names().get(3, TimeUnit.SECONDS);
                    return;
                } catch (Exception notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(
                                "the Kafka broker did not become ready within "
                                        + STARTUP_TIMEOUT.toSeconds()
                                        + " s; see "
                                        + dir.resolve("broker.log"),
                                notYet);
                    }
                }
            }
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates a topic with replication factor 1. */
    public void createTopic(String name, int partitions) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name, e);
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String writeLogConfig(Path dir) {
        Path file = dir.resolve("log4j2.properties");
        String config =
                String.join(
                        "\n",
                        "rootLogger.level = WARN",
                        "rootLogger.appenderRef.out.ref = out",
                        "appender.out.type = Console",
                        "appender.out.name = out",
                        "appender.out.layout.type = PatternLayout",
                        "appender.out.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n",
                        "logger.kafka.name = kafka.server.KafkaRaftServer",
                        "logger.kafka.level = INFO",
                        "");
        try {
            Files.writeString(file, config, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file.toString();
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
