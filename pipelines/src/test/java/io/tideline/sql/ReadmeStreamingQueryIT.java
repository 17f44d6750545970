/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sql;

import static io.tideline.sql.RawTables.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.tideline.config.TidelineConfig;
import io.tideline.flink.FlinkSettings;
import io.tideline.testkit.TestParts;
import io.tideline.testkit.TidelineExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's streaming query for analysts (the {@code sql} block with the {@code 'streaming'}
 * read hint), read from README.md and run as it is after {@code sql/init.sql}: in STREAMING, over
 * the change log, it counts the events there are, then follows a new one.
 */
@ExtendWith(TidelineExtension.class)
class ReadmeStreamingQueryIT {

    static final Path README = SqlLayerIT.SQL_DIR.resolveSibling("README.md");
    private static final Pattern SQL_BLOCK = Pattern.compile("(?s)```sql\\n(.*?)```");
    private static final Pattern SET =
            Pattern.compile("(?is)SET\\s+'([^']+)'\\s*=\\s*'((?:[^']|'')*)'\\s*");

    /** The README's one {@code sql} block that reads with the streaming hint. */
    static String readmeStreamingExample() throws Exception {
        List<String> blocks = new ArrayList<>();
        Matcher m = SQL_BLOCK.matcher(Files.readString(README));
        while (m.find()) {
            if (m.group(1).contains("'streaming'='true'")) {
                blocks.add(m.group(1));
            }
        }
        assertThat(blocks).as("the README's streaming query examples").hasSize(1);
        return blocks.get(0);
    }

    @Test
    @Timeout(240)
    void theReadmesStreamingQueryCountsTheEventsAndFollowsNewOnes(TestParts parts)
            throws Exception {
        TidelineConfig config = SqlLayerIT.config(parts, "    max-staleness: 7d\n");
        RawTables raw = SqlLayerIT.golden(config);
        // A second snapshot of the change log before the query starts: the query must read the
        // table's rows, not only its latest snapshot's (Iceberg's default starting strategy).
        Record early =
                event("s0", "page_view", null, "a8", "2024-03-30T11:00:00Z", null, null, null);
        raw.append(RawTables.EVENTS, List.of(early));
        SqlRunner runner = new SqlRunner(config, parts.flink(config));

        String example = readmeStreamingExample();
        assertThat(example)
                .contains("SET 'execution.runtime-mode' = 'streaming'")
                .contains("FROM landing.events_changelog")
                .doesNotContain("`");

        StreamTableEnvironment tEnv =
                StreamTableEnvironment.create(
                        FlinkSettings.environment(
                                parts.flink(config), RuntimeExecutionMode.STREAMING),
                        EnvironmentSettings.inStreamingMode());
        List<SqlStatement> statements =
                new ArrayList<>(SqlScripts.split(runner.renderWithSecrets("init.sql"), "init"));
        statements.addAll(SqlScripts.split(example, "README.md"));
        String query = null;
        for (SqlStatement s : statements) {
            switch (s.kind()) {
                case SET -> {
                    Matcher m = SET.matcher(s.text());
                    assertThat(m.matches()).as(s.text()).isTrue();
                    tEnv.getConfig().set(m.group(1), m.group(2).replace("''", "'"));
                }
                case QUERY -> {
                    assertThat(query).as("one query in the example").isNull();
                    query = s.text();
                }
                default -> tEnv.executeSql(s.text());
            }
        }
        assertThat(query).isNotNull();
        assertThat(tEnv.getConfig().getConfiguration().toMap())
                .containsEntry("execution.runtime-mode", "streaming");

        Map<String, Set<Object>> ids = new TreeMap<>();
        List<Record> before = new ArrayList<>(GoldenData.events());
        before.add(early);
        for (Record e : before) {
            ids.computeIfAbsent((String) e.getField("event_type"), t -> new HashSet<>())
                    .add(e.getField("event_id"));
        }
        Map<String, Long> expected = new TreeMap<>();
        ids.forEach((type, set) -> expected.put(type, (long) set.size()));
        assertThat(expected).containsKey("signup");
        TableResult result = tEnv.executeSql(query);
        Map<String, Long> counts = new TreeMap<>();
        try (CloseableIterator<Row> rows = result.collect()) {
            follow(rows, counts, expected);
            // A continuous read: an event appended now is counted by the same running query.
            raw.append(
                    RawTables.EVENTS,
                    List.of(
                            event(
                                    "s1",
                                    "signup",
                                    "9",
                                    "a9",
                                    "2024-03-30T12:00:00Z",
                                    null,
                                    null,
                                    null)));
            expected.merge("signup", 1L, Long::sum);
            follow(rows, counts, expected);
        }
    }

    /** Applies the changelog rows of the running query until the counts are {@code expected}. */
    private static void follow(
            CloseableIterator<Row> rows, Map<String, Long> counts, Map<String, Long> expected) {
        while (!counts.equals(expected)) {
            assertThat(rows.hasNext())
                    .as("the query still runs (counts so far %s, expected %s)", counts, expected)
                    .isTrue();
            Row r = rows.next();
            String type = (String) r.getField(0);
            if (r.getKind() == RowKind.INSERT || r.getKind() == RowKind.UPDATE_AFTER) {
                counts.put(type, ((Number) r.getField(1)).longValue());
            } else {
                counts.remove(type);
            }
        }
    }
}
