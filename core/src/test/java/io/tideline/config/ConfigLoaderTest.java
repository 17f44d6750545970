/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir Path dir;

    private final ConfigLoader loader =
            new ConfigLoader(Map.of("PGPASSWORD", "pg-pass-value", "EMPTY", "")::get);

    private static final String VALID =
            """
            kafka:
              bootstrap-servers: [broker-1:9092, broker-2:9092]
              properties:
                security.protocol: SASL_SSL
            postgres:
              host: db.internal
              port: 5432
              database: tideline
              user: tideline
              password: ${env:PGPASSWORD}
            catalog:
              type: jdbc
              warehouse: s3://lake/warehouse
            flink:
              parallelism: 4
              checkpoint-interval: 30s
            """;

    private ConfigException failure(String yaml) {
        Path file = write(yaml);
        try {
            loader.load(file);
        } catch (ConfigException e) {
            assertThat(e.file()).isEqualTo(file.toString());
            assertThat(e.getMessage()).startsWith("Invalid configuration " + file);
            return e;
        }
        throw new AssertionError("expected the configuration to be rejected:\n" + yaml);
    }

    private Path write(String yaml) {
        try {
            Path file = dir.resolve("tideline.yaml");
            Files.writeString(file, yaml);
            return file;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void loadsAValidFileIntoTheTypedModel() {
        TidelineConfig c = loader.load(write(VALID));
        assertThat(c.kafka().embedded()).isFalse();
        assertThat(c.kafka().bootstrapServersString()).isEqualTo("broker-1:9092,broker-2:9092");
        assertThat(c.kafka().clientProperties()).containsEntry("security.protocol", "SASL_SSL");
        assertThat(c.postgres().embedded()).isFalse();
        assertThat(c.postgres().jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:5432/tideline");
        assertThat(c.postgres().password().reveal()).isEqualTo("pg-pass-value");
        assertThat(c.catalog().type()).isEqualTo(CatalogConfig.CatalogType.JDBC);
        assertThat(c.flink().parallelism()).isEqualTo(4);
        assertThat(c.flink().checkpointInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.flink().checkpointDir())
                .isEqualTo(dir.resolve(".tideline/checkpoints").toUri().toString());
    }

    @Test
    void defaultsToEmbeddedPartsAndResolvesPathsFromTheFilesFolder() {
        TidelineConfig c = loader.load(write("catalog:\n  warehouse: data/warehouse\n"));
        assertThat(c.kafka().embedded()).isTrue();
        assertThat(c.postgres().embedded()).isTrue();
        assertThat(c.catalog().type()).isEqualTo(CatalogConfig.CatalogType.HADOOP);
        assertThat(c.catalog().warehouse())
                .isEqualTo(dir.resolve("data/warehouse").toUri().toString());
        assertThat(c.local().dataDir()).isEqualTo(dir.resolve(".tideline").toString());
    }

    @Test
    void theDocumentedExampleLoads() {
        TidelineConfig c = loader.load(Path.of("../deploy/local/tideline.yaml"));
        assertThat(c.kafka().embedded()).isTrue();
        assertThat(c.catalog().warehouse()).startsWith("file:");
    }

    @Test
    void aNonNumericPortNamesThePath() {
        ConfigException e = failure(VALID.replace("port: 5432", "port: fivefourthreetwo"));
        assertThat(e.problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.path()).isEqualTo("postgres.port");
                            assertThat(p.message())
                                    .contains(
                                            "expected a whole number",
                                            "'fivefourthreetwo'",
                                            "line 7");
                        });
    }

    @Test
    void aNonNumericBrokerPortNamesTheListElement() {
        ConfigException e = failure(VALID.replace("broker-2:9092", "broker-2:x92"));
        assertThat(e.problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.path()).isEqualTo("kafka.bootstrap-servers[1]");
                            assertThat(p.message()).contains("expected a numeric port", "'x92'");
                        });
    }

    @Test
    void aMissingWarehouseIsRejectedForCatalogsThatNeedOne() {
        ConfigException e = failure(VALID.replace("  warehouse: s3://lake/warehouse\n", ""));
        assertThat(e.problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.path()).isEqualTo("catalog.warehouse");
                            assertThat(p.message()).contains("required for catalog type 'jdbc'");
                        });
        ConfigException empty = failure("kafka:\n  embedded: true\n");
        assertThat(empty.problems())
                .extracting(ConfigException.Problem::path)
                .containsExactly("catalog.warehouse");
    }

    @Test
    void anUnknownCatalogTypeListsTheKnownOnes() {
        ConfigException e = failure(VALID.replace("type: jdbc", "type: hive"));
        assertThat(e.problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.path()).isEqualTo("catalog.type");
                            assertThat(p.message())
                                    .contains("expected one of [hadoop, jdbc, rest]", "'hive'");
                        });
    }

    @Test
    void aRestCatalogNeedsAUri() {
        ConfigException e = failure("catalog:\n  type: rest\n");
        assertThat(e.problems())
                .extracting(ConfigException.Problem::path)
                .containsExactly("catalog.uri");
    }

    @Test
    void anUnknownKeyIsRejectedWithTheKnownOnes() {
        ConfigException e = failure(VALID.replace("bootstrap-servers:", "bootstrap-server:"));
        assertThat(e.problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.path()).isEqualTo("kafka.bootstrap-server");
                            assertThat(p.message())
                                    .contains(
                                            "unknown key 'bootstrap-server'", "bootstrap-servers");
                        });
    }

    @Test
    void aBadDurationSaysWhatIsExpected() {
        ConfigException e =
                failure(VALID.replace("checkpoint-interval: 30s", "checkpoint-interval: soon"));
        assertThat(e.problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.path()).isEqualTo("flink.checkpoint-interval");
                            assertThat(p.message()).contains("expected a duration", "'soon'");
                        });
    }

    @Test
    void unalignedCheckpointsAreRefused() {
        ConfigException e =
                failure(
                        VALID
                                + "  settings:\n"
                                + "    execution.checkpointing.unaligned.enabled: 'true'\n");
        assertThat(e.problems())
                .singleElement()
                .satisfies(
                        p ->
                                assertThat(p.path())
                                        .isEqualTo(
                                                "flink.settings.execution.checkpointing.unaligned.enabled"));
    }

    @Test
    void theReadmesTwoProblemExamplePrintsBothProblems() {
        ConfigException e =
                failure(
                        """
                        kafka:
                          bootstrap-servers: [broker-1:9092]
                        postgres:
                          host: db.internal
                          database: tideline
                          user: tideline
                          port: fivefourthreetwo
                        catalog:
                          type: jdbc
                        """);
        assertThat(e.problems())
                .extracting(ConfigException.Problem::toString)
                .containsExactly(
                        "postgres.port: expected a whole number, got 'fivefourthreetwo' (line 7,"
                                + " column 9)",
                        "catalog.warehouse: required for catalog type 'jdbc': expected a folder or"
                                + " URI such as file:///data/warehouse or s3://bucket/warehouse");
        assertThat(e.getMessage()).contains("(2 problems)");
    }

    @Test
    void everyTypeErrorAndUnknownKeyIsReportedInOneLoad() {
        ConfigException e =
                failure(
                        VALID.replace("port: 5432", "port: fivefourthreetwo")
                                        .replace("parallelism: 4", "parallelism: many")
                                        .replace(
                                                "checkpoint-interval: 30s",
                                                "checkpoint-interval: soon")
                                        .replace(
                                                "  user: tideline\n",
                                                "  user: tideline\n  usr: x\n")
                                + "sources:\n  events:\n    kind: kafka\n    topic: t\n"
                                + "    enabled: maybe\n    columns: {id: {type: string}}\n");
        assertThat(e.problems())
                .extracting(ConfigException.Problem::path)
                .containsExactlyInAnyOrder(
                        "postgres.port",
                        "postgres.usr",
                        "flink.parallelism",
                        "flink.checkpoint-interval",
                        "sources.events.enabled");
        assertThat(e.getMessage()).contains("(5 problems)");
    }

    @Test
    void anUnknownKeyIsReportedOnItsOwnLine() {
        ConfigException e =
                failure(
                        VALID.replace(
                                "  checkpoint-interval: 30s\n", "  checkpoint-intervall: 30s\n"));
        // VALID's line 16 is flink.checkpoint-interval.
        assertThat(e.problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.path()).isEqualTo("flink.checkpoint-intervall");
                            assertThat(p.message()).contains("(line 16, column 3)");
                        });
        ConfigException nested =
                failure(
                        VALID.replace(
                                "    security.protocol: SASL_SSL\n",
                                "    security.protocol: SASL_SSL\n  propertys: {}\n"));
        assertThat(nested.problems())
                .singleElement()
                .satisfies(
                        p ->
                                assertThat(p.message())
                                        .contains("unknown key 'propertys'", "(line 5, column 3)"));
    }

    @Test
    void aDuplicateKeyIsRefusedWithBothLines() {
        ConfigException e =
                failure(
                        VALID.replace(
                                "  parallelism: 4\n", "  parallelism: 4\n  parallelism: 8\n"));
        assertThat(e.problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.path()).isEqualTo("flink.parallelism");
                            assertThat(p.message())
                                    .contains("duplicate key 'parallelism'", "line 16", "line 15");
                        });
        ConfigException sections = failure(VALID + "kafka:\n  embedded: true\n");
        assertThat(sections.problems())
                .extracting(ConfigException.Problem::path)
                .containsExactly("kafka");
    }

    @Test
    void aFloatIsRefusedForAWholeNumber() {
        ConfigException e = failure(VALID.replace("parallelism: 4", "parallelism: 2.7"));
        assertThat(e.problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.path()).isEqualTo("flink.parallelism");
                            assertThat(p.message())
                                    .contains(
                                            "expected a whole number",
                                            "'2.7'",
                                            "line 15, column 16");
                        });
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        ConfigException e =
                failure(
                        """
                        kafka:
                          embedded: false
                        postgres:
                          embedded: false
                        flink:
                          parallelism: 0
                        """);
        assertThat(e.problems())
                .extracting(ConfigException.Problem::path)
                .containsExactlyInAnyOrder(
                        "kafka.bootstrap-servers",
                        "postgres.host",
                        "postgres.port",
                        "catalog.warehouse",
                        "flink.parallelism");
        assertThat(e.getMessage()).contains("(5 problems)");
    }

    @Test
    void maintenanceRefusesUnsafeOrphanAgesAndBadTableNames() {
        ConfigException e =
                failure(
                        VALID
                                + "maintenance:\n  tables: [landing.events, notatable]\n"
                                + "  orphan-min-age: 0s\n  retain-last: 0\n");
        assertThat(e.problems())
                .extracting(ConfigException.Problem::path)
                .containsExactlyInAnyOrder(
                        "maintenance.tables[1]",
                        "maintenance.orphan-min-age",
                        "maintenance.retain-last");
        assertThat(e.getMessage()).contains("younger files may belong to a commit under way");
        TidelineConfig c = loader.load(write(VALID));
        assertThat(c.maintenance().protectJobSnapshotsFor()).isEqualTo(Duration.ofDays(7));
        // Derived: the ingested tables and the checks' own; the SQL models' tables are the
        // maintenance job's to add (MaintenanceIT). No mart's name is built in.
        assertThat(c.maintenance().tables()).isNull();
        assertThat(c.maintenanceTables())
                .contains("quality.violations", "quality.check_runs")
                .noneMatch(t -> t.startsWith("marts."));
    }

    @Test
    void brokenYamlGivesTheLine() {
        ConfigException e = failure("kafka:\n  bootstrap-servers: [a:1\npostgres: {\n");
        assertThat(e.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("not valid YAML", "line"));
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> loader.load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("file not found");
    }

    @Test
    void aMissingEnvironmentVariableIsAnErrorNotAnEmptyString() {
        ConfigException e = failure(VALID.replace("${env:PGPASSWORD}", "${env:NOT_SET_ANYWHERE}"));
        assertThat(e.problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.path()).isEqualTo("postgres.password");
                            assertThat(p.message())
                                    .contains("environment variable NOT_SET_ANYWHERE is not set");
                        });
        ConfigException empty = failure(VALID.replace("${env:PGPASSWORD}", "${env:EMPTY}"));
        assertThat(empty.getMessage()).contains("EMPTY is set but empty");
    }

    @Test
    void aLiteralSecretIsRefusedWithoutEchoingIt() {
        ConfigException e = failure(VALID.replace("${env:PGPASSWORD}", "hunter2-literal"));
        assertThat(e.problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.path()).isEqualTo("postgres.password");
                            assertThat(p.message()).contains("expected a secret reference");
                        });
        assertThat(e.getMessage()).doesNotContain("hunter2-literal");
    }

    @Test
    void aFileSecretIsReadAndTrimmed() throws Exception {
        Files.writeString(dir.resolve("pg.secret"), "from-a-file\n");
        TidelineConfig c =
                loader.load(write(VALID.replace("${env:PGPASSWORD}", "${file:pg.secret}")));
        assertThat(c.postgres().password().reveal()).isEqualTo("from-a-file");
        assertThat(c.postgres().password().reference()).isEqualTo("${file:pg.secret}");
    }

    @Test
    void theLocalConfigurationWrittenBackLoadsAgain() throws Exception {
        // deploy/local/tideline.yaml has every section, syncs included (a sync source's derived
        // isPostgres() once came out as an unknown key 'postgres').
        Path local = Path.of(System.getProperty("user.dir")).resolve("../deploy/local");
        TidelineConfig c = loader.load(local.resolve("tideline.yaml"));
        assertThat(c.syncs()).isNotEmpty();
        String yaml = ConfigLoader.toYaml(c);
        assertThat(yaml).doesNotContain("postgres: false");
        assertThat(loader.parse(yaml, "again.yaml", local).syncs()).isEqualTo(c.syncs());
    }

    @Test
    void writtenBackYamlKeepsReferencesAndLoadsAgain() {
        TidelineConfig c = loader.load(write(VALID));
        String yaml = ConfigLoader.toYaml(c);
        assertThat(yaml).contains("${env:PGPASSWORD}").doesNotContain("pg-pass-value");
        TidelineConfig again = loader.parse(yaml, "again.yaml", dir);
        assertThat(again).isEqualTo(c);
    }
}
