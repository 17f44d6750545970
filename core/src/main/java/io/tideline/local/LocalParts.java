/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.local;

import io.tideline.config.ConfigLoader;
import io.tideline.config.FlinkConfig;
import io.tideline.config.KafkaConfig;
import io.tideline.config.PostgresConfig;
import io.tideline.config.TidelineConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the parts a configuration marks {@code embedded} (Kafka, PostgreSQL) plus a Flink
 * MiniCluster, all with their data under {@code local.data-dir}, and hands back the effective
 * configuration: the same file, now pointing at the running parts. Parts that are not embedded are
 * used where the configuration says they are.
 *
 * <p>The effective configuration is also written to {@code <data-dir>/tideline-local.yaml}, so that
 * other entry points (the SQL runner, the sync CLI) can be pointed at the running platform.
 */
public final class LocalParts implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalParts.class);

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private TidelineConfig config;
    private LocalKafka kafka;
    private LocalPostgres postgres;
    private LocalFlink flink;
    private Path effectiveConfigFile;

    private LocalParts(TidelineConfig config) {
        this.config = config;
    }

    /**
     * Starts the embedded parts of {@code config}.
     *
     * @param flinkSlots task slots of the MiniCluster; 0 starts no MiniCluster
     */
    public static LocalParts start(TidelineConfig config, int flinkSlots) {
        LocalParts parts = new LocalParts(config);
        try {
            parts.startAll(flinkSlots);
            return parts;
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    private void startAll(int flinkSlots) {
        Path dataDir = config.local().dataDirPath();
        if (config.kafka().embedded()) {
            kafka = LocalKafka.start(dataDir.resolve("kafka"));
            started.push(kafka);
            config = config.withKafka(config.kafka().at(kafka.bootstrapServers()));
        }
        if (config.postgres().embedded()) {
            int port = config.postgres().port() == null ? 0 : config.postgres().port();
            postgres = LocalPostgres.start(dataDir.resolve("postgres"), port);
            started.push(postgres);
            if (!config.postgres().database().equals("postgres")) {
                postgres.createDatabase(config.postgres().database());
            }
            config = config.withPostgres(config.postgres().at(postgres.host(), postgres.port()));
        }
        if (flinkSlots > 0) {
            flink = LocalFlink.start(config.flink(), flinkSlots);
            started.push(flink);
            config = config.withFlink(config.flink().withRestPort(flink.restAddress().getPort()));
        }
        effectiveConfigFile = dataDir.resolve("tideline-local.yaml");
        writeEffectiveConfig(config, null);
    }

    /**
     * Writes {@code effective} (this platform's configuration, with whatever the caller started
     * besides, such as the SaaS emulator's URL) to {@code <data-dir>/tideline-local.yaml}, as a
     * configuration every other command can use as it is:
     *
     * <ul>
     *   <li>the Kafka broker and PostgreSQL server started here are no longer {@code embedded}:
     *       they are external parts at the written addresses;
     *   <li>Flink jobs are submitted to this MiniCluster ({@code execution.target: remote} and its
     *       REST address in {@code flink.settings}), so they show in its web UI;
     *   <li>relative {@code ${file:...}} secret references are made absolute from {@code
     *       secretBaseDir} (the folder of the file {@code effective} was loaded from), so that they
     *       still resolve from the data folder. Secrets stay references, never values.
     * </ul>
     *
     * @param secretBaseDir null to leave relative references as they are
     * @return the file written
     */
    public Path writeEffectiveConfig(TidelineConfig effective, Path secretBaseDir) {
        TidelineConfig c = effective;
        if (kafka != null) {
            KafkaConfig k = c.kafka();
            c =
                    c.withKafka(
                            new KafkaConfig(
                                    false,
                                    k.bootstrapServers(),
                                    k.properties(),
                                    k.secretProperties()));
        }
        if (postgres != null) {
            PostgresConfig p = c.postgres();
            c =
                    c.withPostgres(
                            new PostgresConfig(
                                    false,
                                    p.host(),
                                    p.port(),
                                    p.database(),
                                    p.user(),
                                    p.password()));
        }
        if (flink != null) {
            FlinkConfig f = c.flink();
            Map<String, String> settings = new TreeMap<>(f.settings());
            settings.put("execution.target", "remote");
            settings.put("execution.attached", "true");
            settings.put("rest.address", flink.restAddress().getHost());
            settings.put("rest.port", String.valueOf(flink.restAddress().getPort()));
            c =
                    c.withFlink(
                            new FlinkConfig(
                                    f.parallelism(),
                                    f.checkpointInterval(),
                                    f.checkpointDir(),
                                    f.webUi(),
                                    flink.restAddress().getPort(),
                                    settings));
        }
        String yaml = ConfigLoader.toYaml(c);
        if (secretBaseDir != null) {
            yaml = absoluteFileReferences(yaml, secretBaseDir);
        }
        try {
            Files.createDirectories(effectiveConfigFile.getParent());
            Files.writeString(
                    effectiveConfigFile,
                    "# Written by the local platform: the configuration of the running parts."
                            + "\n# Every tideline command uses it when given no --config.\n"
                            + yaml,
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + effectiveConfigFile, e);
        }
        return effectiveConfigFile;
    }

    private static final Pattern FILE_REFERENCE = Pattern.compile("\\$\\{file:([^}]+)}");

    /** {@code ${file:emulator.token}} becomes {@code ${file:/abs/dir/emulator.token}}. */
    static String absoluteFileReferences(String yaml, Path baseDir) {
        Matcher m = FILE_REFERENCE.matcher(yaml);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1).trim();
            String path =
                    Path.of(name).isAbsolute()
                            ? name
                            : baseDir.toAbsolutePath().resolve(name).normalize().toString();
            m.appendReplacement(out, Matcher.quoteReplacement("${file:" + path + "}"));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The configuration pointing at the running parts. */
    public TidelineConfig config() {
        return config;
    }

    public Path effectiveConfigFile() {
        return effectiveConfigFile;
    }

    public Optional<LocalKafka> kafka() {
        return Optional.ofNullable(kafka);
    }

    public Optional<LocalPostgres> postgres() {
        return Optional.ofNullable(postgres);
    }

    public LocalFlink flink() {
        if (flink == null) {
            throw new IllegalStateException("no MiniCluster was started (flinkSlots was 0)");
        }
        return flink;
    }

    /** Stops every started part, the last started first. Safe to call more than once. */
    @Override
    public synchronized void close() {
        while (!started.isEmpty()) {
            AutoCloseable part = started.pop();
            try {
                part.close();
            } catch (Exception e) {
                LOG.warn("{} did not stop cleanly", part.getClass().getSimpleName(), e);
            }
        }
    }
}
