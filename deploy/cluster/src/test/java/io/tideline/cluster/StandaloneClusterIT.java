/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The cluster comes up as separate JVMs, configured by deploy/flink/config.yaml. */
class StandaloneClusterIT {

    static String clusterClasspath() throws Exception {
        return Files.readString(Path.of(System.getProperty("tideline.cluster.classpath"))).trim()
                + java.io.File.pathSeparator
                + System.getProperty("tideline.cluster.classes");
    }

    @Test
    @Timeout(180)
    void startsAJobManagerAndTwoTaskManagers() throws Exception {
        Path dir =
                Path.of(
                                System.getProperty("tideline.test.dir", "target/tideline-test"),
                                "cluster-basic")
                        .toAbsolutePath();
        try (StandaloneCluster cluster =
                StandaloneCluster.start(
                        Path.of(System.getProperty("tideline.flink.config")),
                        dir,
                        clusterClasspath(),
                        2,
                        Map.of())) {
            JsonNode overview = new YAMLMapper().readTree(cluster.get("/overview").body());
            assertThat(overview.path("taskmanagers").asInt()).isEqualTo(2);
            assertThat(overview.path("slots-total").asInt()).isEqualTo(4);
            assertThat(overview.path("flink-version").asText()).isEqualTo("2.0.0");
            StandaloneCluster.CliResult list = cluster.cli("list");
            assertThat(list.exitCode()).as(list.output()).isZero();
            assertThat(list.output()).contains("No running jobs");
        }
    }
}
