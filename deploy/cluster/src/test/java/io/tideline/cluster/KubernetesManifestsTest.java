/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Parses every manifest in deploy/k8s and checks it against the fields the Flink Kubernetes
 * Operator's v1beta1 CRDs accept (listed here from the operator's CRD schema), then checks that the
 * pieces fit together: the configuration loads, its secret references exist, the entry classes
 * exist in the job jar's module.
 */
class KubernetesManifestsTest {

    private static final Path DIR = Path.of("../k8s");

    // spec fields of FlinkDeployment and FlinkSessionJob, flink.apache.org/v1beta1.
    private static final Set<String> DEPLOYMENT_SPEC =
            Set.of(
                    "flinkConfiguration",
                    "flinkVersion",
                    "image",
                    "imagePullPolicy",
                    "ingress",
                    "job",
                    "jobManager",
                    "logConfiguration",
                    "mode",
                    "podTemplate",
                    "restartNonce",
                    "serviceAccount",
                    "taskManager");
    private static final Set<String> SESSION_JOB_SPEC =
            Set.of("deploymentName", "flinkConfiguration", "job", "restartNonce");
    private static final Set<String> JOB_SPEC =
            Set.of(
                    "allowNonRestoredState",
                    "args",
                    "autoscalerResetNonce",
                    "checkpointTriggerNonce",
                    "entryClass",
                    "initialSavepointPath",
                    "jarURI",
                    "parallelism",
                    "savepointRedeployNonce",
                    "savepointTriggerNonce",
                    "state",
                    "upgradeMode");
    private static final Set<String> COMPONENT_SPEC =
            Set.of("podTemplate", "replicas", "resource", "resources");
    private static final Set<String> RESOURCE = Set.of("cpu", "ephemeralStorage", "memory");
    private static final Set<String> UPGRADE_MODES = Set.of("last-state", "savepoint", "stateless");
    private static final Set<String> JOB_STATES = Set.of("running", "suspended");
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{env:([A-Za-z0-9_]+)}");

    private static final List<JsonNode> DOCS = new ArrayList<>();

    @BeforeAll
    static void parseAll() throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> it =
                        yaml.readerFor(JsonNode.class).readValues(f.toFile())) {
                    for (JsonNode doc : it.readAll()) {
                        if (doc != null && !doc.isEmpty()) {
                            assertThat(doc.path("apiVersion").asText())
                                    .as(f + ": apiVersion")
                                    .isNotEmpty();
                            assertThat(doc.path("kind").asText()).as(f + ": kind").isNotEmpty();
                            assertThat(doc.path("metadata").path("name").asText())
                                    .as(f + ": metadata.name")
                                    .isNotEmpty();
                            DOCS.add(doc);
                        }
                    }
                }
            }
        }
    }

    private static List<JsonNode> ofKind(String kind) {
        return DOCS.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    private static Set<String> keys(JsonNode node) {
        Set<String> keys = new TreeSet<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void flinkDeploymentsUseOnlyOperatorFields() {
        List<JsonNode> deployments = ofKind("FlinkDeployment");
        assertThat(deployments).hasSizeGreaterThanOrEqualTo(3);
        for (JsonNode d : deployments) {
            String name = d.path("metadata").path("name").asText();
            JsonNode spec = d.path("spec");
            assertThat(d.path("apiVersion").asText()).isEqualTo("flink.apache.org/v1beta1");
            assertThat(DEPLOYMENT_SPEC).as(name + ".spec").containsAll(keys(spec));
            assertThat(spec.path("flinkVersion").asText())
                    .as(name + ": Tideline runs on Flink 2.0")
                    .isEqualTo("v2_0");
            assertThat(spec.path("image").asText()).as(name + ".spec.image").isNotEmpty();
            if (spec.has("mode")) {
                assertThat(spec.path("mode").asText()).isIn("native", "standalone");
            }
            for (String component : List.of("jobManager", "taskManager")) {
                JsonNode c = spec.path(component);
                assertThat(COMPONENT_SPEC).as(name + "." + component).containsAll(keys(c));
                assertThat(RESOURCE)
                        .as(name + "." + component + ".resource")
                        .containsAll(keys(c.path("resource")));
                assertThat(c.path("resource").path("memory").asText()).matches("\\d+[mg]");
            }
            spec.path("flinkConfiguration")
                    .fields()
                    .forEachRemaining(
                            e -> {
                                assertThat(e.getValue().isTextual())
                                        .as(
                                                name
                                                        + ": flinkConfiguration."
                                                        + e.getKey()
                                                        + " must be a string")
                                        .isTrue();
                            });
            assertThat(
                            spec.path("flinkConfiguration")
                                    .path("execution.checkpointing.unaligned.enabled")
                                    .asText("false"))
                    .as(name + ": unaligned checkpoints can lose data with the Iceberg FlinkSink")
                    .isEqualTo("false");
            assertThat(
                            spec.path("podTemplate")
                                    .path("spec")
                                    .path("containers")
                                    .get(0)
                                    .path("name")
                                    .asText())
                    .as(
                            name
                                    + ": the operator merges only the container named"
                                    + " flink-main-container")
                    .isEqualTo("flink-main-container");
            if (spec.has("job")) {
                checkJob(name, spec.path("job"));
            }
        }
    }

    @Test
    void sessionJobsUseOnlyOperatorFieldsAndNameASessionCluster() {
        List<JsonNode> jobs = ofKind("FlinkSessionJob");
        assertThat(jobs).isNotEmpty();
        Set<String> sessionClusters = new TreeSet<>();
        for (JsonNode d : ofKind("FlinkDeployment")) {
            if (!d.path("spec").has("job")) {
                sessionClusters.add(d.path("metadata").path("name").asText());
            }
        }
        for (JsonNode j : jobs) {
            String name = j.path("metadata").path("name").asText();
            assertThat(SESSION_JOB_SPEC).as(name + ".spec").containsAll(keys(j.path("spec")));
            assertThat(sessionClusters)
                    .as(name + ".spec.deploymentName")
                    .contains(j.path("spec").path("deploymentName").asText());
            checkJob(name, j.path("spec").path("job"));
        }
    }

    private static void checkJob(String name, JsonNode job) {
        assertThat(JOB_SPEC).as(name + ".spec.job").containsAll(keys(job));
        assertThat(job.path("jarURI").asText())
                .as(name + ".spec.job.jarURI")
                .matches("(local|https?|s3)://.+\\.jar");
        assertThat(UPGRADE_MODES)
                .as(name + ".spec.job.upgradeMode")
                .contains(job.path("upgradeMode").asText());
        assertThat(JOB_STATES).as(name + ".spec.job.state").contains(job.path("state").asText());
        assertThat(job.path("parallelism").isInt())
                .as(name + ".spec.job.parallelism is an integer")
                .isTrue();
        String entry = job.path("entryClass").asText();
        assertThat(entry).as(name + ".spec.job.entryClass").isNotEmpty();
        try {
            Class<?> main = Class.forName(entry);
            assertThat(main.getMethod("main", String[].class)).isNotNull();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(
                    name + ": entry class " + entry + " is not in tideline-pipelines", e);
        }
        List<String> args = new ArrayList<>();
        job.path("args").forEach(a -> args.add(a.asText()));
        assertThat(args)
                .as(name + ": reads the mounted configuration")
                .containsSubsequence("--config", "/etc/tideline/tideline.yaml");
    }

    @Test
    void theMountedConfigurationLoadsAndItsSecretsExist() throws Exception {
        JsonNode configMap =
                ofKind("ConfigMap").stream()
                        .filter(
                                d ->
                                        d.path("metadata")
                                                .path("name")
                                                .asText()
                                                .equals("tideline-config"))
                        .findFirst()
                        .orElseThrow();
        String yaml = configMap.path("data").path("tideline.yaml").asText();
        JsonNode secret = ofKind("Secret").get(0);
        Map<String, String> env = new HashMap<>();
        secret.path("stringData")
                .fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));

        Matcher m = ENV_REF.matcher(yaml);
        while (m.find()) {
            assertThat(env)
                    .as("secret " + secret.path("metadata").path("name").asText())
                    .containsKey(m.group(1));
        }
        TidelineConfig config =
                new ConfigLoader(env::get)
                        .parse(
                                yaml,
                                "deploy/k8s/01-tideline-config.yaml",
                                Path.of("/etc/tideline"));
        assertThat(config.catalog().type())
                .isEqualTo(io.tideline.config.CatalogConfig.CatalogType.REST);
        assertThat(config.catalog().warehouse()).startsWith("s3://");
        assertThat(config.kafka().embedded()).isFalse();
        assertThat(config.postgres().embedded()).isFalse();
        assertThat(config.toString()).doesNotContain("replace-me");
    }

    @Test
    void everyWorkloadGetsTheCredentialsAndTheConfiguration() {
        List<JsonNode> podSpecs = new ArrayList<>();
        for (JsonNode d : ofKind("FlinkDeployment")) {
            podSpecs.add(d.path("spec").path("podTemplate").path("spec"));
        }
        for (JsonNode d : ofKind("Deployment")) {
            podSpecs.add(d.path("spec").path("template").path("spec"));
        }
        for (JsonNode c : ofKind("CronJob")) {
            podSpecs.add(
                    c.path("spec").path("jobTemplate").path("spec").path("template").path("spec"));
            assertThat(c.path("spec").path("concurrencyPolicy").asText())
                    .as("no overlapping runs")
                    .isEqualTo("Forbid");
            assertThat(c.path("spec").path("schedule").asText().split(" ")).hasSize(5);
        }
        assertThat(podSpecs).hasSizeGreaterThanOrEqualTo(5);
        for (JsonNode pod : podSpecs) {
            JsonNode container = pod.path("containers").get(0);
            assertThat(container.path("envFrom").get(0).path("secretRef").path("name").asText())
                    .isEqualTo("tideline-credentials");
            assertThat(container.path("volumeMounts").get(0).path("mountPath").asText())
                    .isEqualTo("/etc/tideline");
            assertThat(pod.path("volumes").get(0).path("configMap").path("name").asText())
                    .isEqualTo("tideline-config");
        }
    }
}
