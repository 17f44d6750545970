/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlScriptsTest {

    @Test
    void splitsOnSemicolonsOutsideLiteralsAndCommentsAndDropsComments() {
        List<SqlStatement> s =
                SqlScripts.split(
                        "-- a comment; with a semicolon\n"
                                + "SET 'a.b' = 'x;y';\n"
                                + "\n"
                                + "/* block; comment */ CREATE VIEW v AS SELECT ';' AS `c;d`\n"
                                + "FROM t;\n"
                                + "INSERT INTO t /*+ OPTIONS('upsert-enabled' = 'true') */\n"
                                + "SELECT 'it''s' FROM v; -- trailing\n",
                        "f.sql");
        assertThat(s).hasSize(3);
        assertThat(s.get(0).text()).isEqualTo("SET 'a.b' = 'x;y'");
        assertThat(s.get(0).kind()).isEqualTo(SqlStatement.Kind.SET);
        assertThat(s.get(0).where()).isEqualTo("f.sql:2");
        assertThat(s.get(1).text()).startsWith("CREATE VIEW v AS SELECT ';' AS `c;d`");
        assertThat(s.get(1).text()).doesNotContain("block");
        assertThat(s.get(1).kind()).isEqualTo(SqlStatement.Kind.OTHER);
        assertThat(s.get(1).line()).isEqualTo(4);
        assertThat(s.get(2).text()).contains("/*+ OPTIONS('upsert-enabled' = 'true') */");
        assertThat(s.get(2).text()).endsWith("SELECT 'it''s' FROM v");
        assertThat(s.get(2).kind()).isEqualTo(SqlStatement.Kind.INSERT);
        assertThat(s.get(2).line()).isEqualTo(6);
    }

    @Test
    void keepsAStatementSetBlockWhole() {
        List<SqlStatement> s =
                SqlScripts.split(
                        "EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO a SELECT 1;\nINSERT INTO b"
                                + " SELECT 2;\nEND;\nSELECT 3;",
                        "f.sql");
        assertThat(s).hasSize(2);
        assertThat(s.get(0).text()).startsWith("EXECUTE STATEMENT SET").endsWith("END");
        assertThat(s.get(1).kind()).isEqualTo(SqlStatement.Kind.QUERY);
    }

    @Test
    void refusesUnclosedLiterals() {
        assertThatThrownBy(() -> SqlScripts.split("SELECT 'x;\n", "bad.sql"))
                .hasMessageContaining("bad.sql:1");
    }

    @Test
    void substitutesVariablesAndMasksSecrets() {
        SqlVariables v = new SqlVariables().put("URL", "jdbc:x").putSecret("PW", "s3cr3t");
        SqlStatement s =
                v.substitute(new SqlStatement("WITH ('url'='${URL}', 'password'='${PW}')", "f", 3));
        assertThat(s.text()).isEqualTo("WITH ('url'='jdbc:x', 'password'='s3cr3t')");
        assertThat(v.mask(s.text())).isEqualTo("WITH ('url'='jdbc:x', 'password'='******')");
        assertThat(v.printable("PW")).isEqualTo("******");
        assertThatThrownBy(
                        () -> v.substitute(new SqlStatement("SELECT ${NOPE}, ${PW}", "f.sql", 7)))
                .hasMessageContaining("f.sql:7: unknown variable(s) [NOPE]")
                .hasMessageNotContaining("s3cr3t");
    }

    @Test
    void aFailureMessageNeverHoldsASecret() {
        SqlVariables v = new SqlVariables().putSecret("PW", "s3cr3t");
        SqlRunException e =
                SqlRunException.of(
                        "init.sql:40",
                        new IllegalStateException("bad option 'password'='s3cr3t'"),
                        v);
        assertThat(e.getMessage())
                .contains("init.sql:40")
                .contains("******")
                .doesNotContain("s3cr3t");
        assertThat(e.getCause()).isNull();
    }

    /** Every file of sql/ parses, and every check is exactly one query. */
    @Test
    void everyFileOfTheSqlFolderParses() throws Exception {
        Path dir = SqlLayerIT.SQL_DIR;
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> sql = files.filter(p -> p.toString().endsWith(".sql")).toList();
            assertThat(sql).hasSizeGreaterThan(10);
            for (Path f : sql) {
                List<SqlStatement> statements = SqlScripts.read(f);
                assertThat(statements).as(f.toString()).isNotEmpty();
                if (f.getParent().endsWith("checks")) {
                    assertThat(statements).as(f.toString()).hasSize(1);
                    assertThat(statements.get(0).kind()).isEqualTo(SqlStatement.Kind.QUERY);
                }
            }
        }
    }

    @Test
    void theClientBuildScriptInlinesTheViewsIntoOneStatementSet(@TempDir Path dir) {
        TidelineConfig config =
                new ConfigLoader(name -> null)
                        .parse(
                                "catalog:\n  warehouse: wh\nsql:\n  dir: "
                                        + SqlLayerIT.SQL_DIR
                                        + "\n  as-of: 2024-03-31T00:00:00Z\n",
                                "t.yaml",
                                dir);
        new RawTables(config).create(); // the script's tables are derived from the queries' schemas
        String script = new SqlRunner(config, new Configuration()).clientBuildScript();
        List<SqlStatement> statements = SqlScripts.split(script, "client.sql");
        assertThat(script).doesNotContain("CREATE TEMPORARY VIEW").doesNotContain("${");
        assertThat(statements.get(0).text()).isEqualTo("SET 'execution.runtime-mode' = 'batch'");
        SqlStatement set = statements.get(statements.size() - 1);
        assertThat(set.text()).startsWith("EXECUTE STATEMENT SET").endsWith("END");
        // Three marts, each into Iceberg and into PostgreSQL.
        assertThat(set.text().split("INSERT ", -1)).hasSize(7);
        assertThat(set.text())
                .contains(
                        "INSERT OVERWRITE marts.customer_360 SELECT * FROM (\nWITH src_events AS (")
                .contains("CAST('2024-03-31 00:00:00.000000' AS TIMESTAMP_LTZ(6))");
    }

    @Test
    void theCommandLinePrintsTheClientScript(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tideline.yaml");
        Files.writeString(
                config,
                "catalog:\n  warehouse: wh\nsql:\n  dir: "
                        + SqlLayerIT.SQL_DIR
                        + "\n  select: [daily_revenue]\n");
        new RawTables(new ConfigLoader(name -> null).load(config)).create();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            SqlRunner.main(new String[] {"--config", config.toString(), "--client-script"});
        } finally {
            System.setOut(stdout);
        }
        String script = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(script)
                .contains("CREATE TABLE IF NOT EXISTS `marts`.`daily_revenue`")
                .contains("INSERT OVERWRITE marts.daily_revenue SELECT")
                .contains("INSERT INTO serving_daily_revenue SELECT")
                .doesNotContain("marts.customer_360 SELECT");
    }
}
