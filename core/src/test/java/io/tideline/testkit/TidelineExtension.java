/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.testkit;

import io.tideline.config.FlinkConfig;
import io.tideline.local.LocalFlink;
import io.tideline.local.LocalKafka;
import io.tideline.local.LocalPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests real parts: one Kafka broker, one PostgreSQL server and one Flink MiniCluster per
 * test JVM, each started on first use and stopped when the JVM's tests are done. Every test gets
 * its own {@link TestParts}: its own database, warehouse folder, topic names and configuration, so
 * tests never see each other's data.
 *
 * <pre>{@code
 * @ExtendWith(TidelineExtension.class)
 * class MyIT {
 *     @Test
 *     void writesRows(TestParts parts) { ... parts.config() ... }
 * }
 * }</pre>
 */
public final class TidelineExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NS =
            ExtensionContext.Namespace.create(TidelineExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == TestParts.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        SharedParts shared =
                c.getRoot()
                        .getStore(NS)
                        .getOrComputeIfAbsent(
                                SharedParts.class, k -> new SharedParts(), SharedParts.class);
        return c.getStore(NS)
                .getOrComputeIfAbsent(
                        TestParts.class, k -> new TestParts(shared, c), TestParts.class);
    }

    /** The parts shared by every test of one JVM. */
    static final class SharedParts implements AutoCloseable {

        private final Path root =
                Path.of(System.getProperty("tideline.test.dir", "target/tideline-test"))
                        .toAbsolutePath();
        private LocalKafka kafka;
        private LocalPostgres postgres;
        private LocalFlink flink;
        private int nextId;

        synchronized LocalKafka kafka() {
            if (kafka == null) {
                kafka = LocalKafka.start(root.resolve("shared/kafka"));
            }
            return kafka;
        }

        synchronized LocalPostgres postgres() {
            if (postgres == null) {
                postgres = LocalPostgres.start(root.resolve("shared/postgres"), 0);
            }
            return postgres;
        }

        synchronized LocalFlink flink() {
            if (flink == null) {
                FlinkConfig conf =
                        new FlinkConfig(2, Duration.ofSeconds(1), null, true, 0, Map.of());
                flink = LocalFlink.start(conf, 8);
            }
            return flink;
        }

        synchronized int nextId() {
            return ++nextId;
        }

        Path root() {
            return root;
        }

        @Override
        public synchronized void close() {
            if (flink != null) {
                flink.close();
            }
            if (kafka != null) {
                kafka.close();
            }
            if (postgres != null) {
                postgres.close();
            }
        }
    }
}
