/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Renders each overlay of deploy/k8s (with {@code kubectl kustomize} when kubectl is on the PATH,
 * else by reading the kustomizations: resources, components and their patches on every
 * FlinkDeployment) and checks the result is a deployment that works: every manifest against the
 * fields the Flink Kubernetes Operator's v1beta1 CRDs accept; one ingest job, one SQL job and one
 * way of scheduling syncs; the ConfigMap's configuration loads with the Secret keys the README
 * creates, and holds every sync and source a workload names; the JVM options and S3/HA settings on
 * every Flink pod; RBAC for the flink service account; the images named are the ones deploy/images
 * builds, and, when they were built, hold the job jar, the SQL files and the sync jar.
 */
class KubernetesManifestsTest {

    private static final Path K8S = Path.of("../k8s");
    private static final Path ROOT = Path.of("../..");
    private static final YAMLMapper YAML = new YAMLMapper();

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
    private static final Pattern SECRET_KEY = Pattern.compile("--from-literal=([A-Z0-9_]+)=");

    /** The rendered manifests of an overlay. */
    static List<JsonNode> render(String overlay) throws Exception {
        Path dir = K8S.resolve("overlays").resolve(overlay);
        List<JsonNode> docs = kubectl(dir);
        if (docs == null) {
            docs = new ArrayList<>();
            renderFiles(dir, docs, new ArrayList<>());
        }
        for (JsonNode d : docs) {
            assertThat(d.path("apiVersion").asText()).as(d + ": apiVersion").isNotEmpty();
            assertThat(d.path("kind").asText()).as(d + ": kind").isNotEmpty();
            assertThat(d.path("metadata").path("name").asText()).isNotEmpty();
        }
        return docs;
    }

    /** kubectl kustomize, when kubectl is here; null otherwise. */
    private static List<JsonNode> kubectl(Path dir) throws Exception {
        Process p;
        try {
            p =
                    new ProcessBuilder("kubectl", "kustomize", dir.toString())
                            .redirectErrorStream(false)
                            .start();
        } catch (IOException noKubectl) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as("kubectl kustomize %s: %s", dir, new String(p.getErrorStream().readAllBytes()))
                .isZero();
        return readAll(out.toString(StandardCharsets.UTF_8));
    }

    private static List<JsonNode> readAll(String text) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            for (JsonNode doc : it.readAll()) {
                if (doc != null && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    /** The few kustomize rules these overlays use: resources, components, namespace, patches. */
    private static void renderFiles(Path dir, List<JsonNode> docs, List<JsonNode> patches)
            throws IOException {
        JsonNode k = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(p)) {
                renderFiles(p, docs, patches);
            } else {
                docs.addAll(readAll(Files.readString(p)));
            }
        }
        for (JsonNode c : k.path("components")) {
            renderFiles(dir.resolve(c.asText()).normalize(), docs, patches);
        }
        for (JsonNode patch : k.path("patches")) {
            JsonNode body = YAML.readTree(dir.resolve(patch.path("path").asText()).toFile());
            String kind = patch.path("target").path("kind").asText();
            for (JsonNode d : docs) {
                if (d.path("kind").asText().equals(kind)) {
                    merge((ObjectNode) d, body.path("spec"), "spec");
                }
            }
        }
        if (k.has("namespace")) {
            for (JsonNode d : docs) {
                if (!d.path("kind").asText().equals("Namespace")) {
                    ((ObjectNode) d.path("metadata"))
                            .put("namespace", k.path("namespace").asText());
                }
            }
        }
    }

    /**
     * A JSON merge patch (what kustomize applies to custom resources): maps merge, lists replace.
     */
    private static void merge(ObjectNode target, JsonNode patch, String field) {
        JsonNode current = target.get(field);
        if (current instanceof ObjectNode o && patch.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = patch.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                merge(o, e.getValue(), e.getKey());
            }
        } else {
            target.set(field, patch.deepCopy());
        }
    }

    private static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    private static Set<String> keys(JsonNode node) {
        Set<String> keys = new TreeSet<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(a -> out.add(a.asText()));
        return out;
    }

    /** The --add-opens flags of the root pom.xml's tideline.jvm.opens. */
    private static List<String> jvmOpens() throws IOException {
        Matcher m =
                Pattern.compile("<tideline.jvm.opens>([^<]+)</tideline.jvm.opens>")
                        .matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        return Arrays.asList(m.group(1).trim().split("\\s+"));
    }

    /** The jobs of an overlay: FlinkDeployments with a job, and FlinkSessionJobs. */
    private static Map<String, JsonNode> jobs(List<JsonNode> docs) {
        Map<String, JsonNode> jobs = new HashMap<>();
        for (JsonNode d : ofKind(docs, "FlinkDeployment")) {
            if (d.path("spec").has("job")) {
                jobs.put(d.path("metadata").path("name").asText(), d.path("spec").path("job"));
            }
        }
        for (JsonNode d : ofKind(docs, "FlinkSessionJob")) {
            jobs.put(d.path("metadata").path("name").asText(), d.path("spec").path("job"));
        }
        return jobs;
    }

    /** Every container of every workload: name -> container. */
    private static Map<String, JsonNode> containers(List<JsonNode> docs) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode d : ofKind(docs, "Deployment")) {
            d.path("spec")
                    .path("template")
                    .path("spec")
                    .path("containers")
                    .forEach(c -> out.put(d.path("metadata").path("name").asText(), c));
        }
        for (JsonNode d : ofKind(docs, "CronJob")) {
            d.path("spec")
                    .path("jobTemplate")
                    .path("spec")
                    .path("template")
                    .path("spec")
                    .path("containers")
                    .forEach(c -> out.put(d.path("metadata").path("name").asText(), c));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"application", "session"})
    void anOverlayGivesOneIngestJobOneSqlJobAndOneSyncScheduler(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        Map<String, JsonNode> jobs = jobs(docs);
        assertThat(jobs.values())
                .extracting(j -> j.path("entryClass").asText())
                .containsExactlyInAnyOrder(
                        "io.tideline.ingest.IngestJob", "io.tideline.sql.SqlRunner");
        List<String> schedulers = new ArrayList<>();
        containers(docs)
                .forEach(
                        (name, c) -> {
                            List<String> args = strings(c.path("args"));
                            if (args.contains("schedule")) {
                                schedulers.add(name);
                            }
                            assertThat(args)
                                    .as(name + ": no CronJob runs a sync beside the scheduler")
                                    .doesNotContain("run");
                        });
        assertThat(schedulers).containsExactly("tideline-sync-scheduler");
        assertThat(ofKind(docs, "Secret")).as("no Secret with placeholders is applied").isEmpty();
        assertThat(docs.toString()).doesNotContain("replace-me", "artifacts.internal");
        for (JsonNode d : docs) {
            if (!d.path("kind").asText().equals("Namespace")) {
                assertThat(d.path("metadata").path("namespace").asText()).isEqualTo("tideline");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"application", "session"})
    void flinkResourcesUseOnlyOperatorFields(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        Set<String> sessionClusters = new TreeSet<>();
        for (JsonNode d : ofKind(docs, "FlinkDeployment")) {
            String name = d.path("metadata").path("name").asText();
            JsonNode spec = d.path("spec");
            if (!spec.has("job")) {
                sessionClusters.add(name);
            }
            assertThat(d.path("apiVersion").asText()).isEqualTo("flink.apache.org/v1beta1");
            assertThat(DEPLOYMENT_SPEC).as(name + ".spec").containsAll(keys(spec));
            assertThat(spec.path("flinkVersion").asText()).isEqualTo("v2_0");
            assertThat(spec.path("mode").asText("native")).isIn("native", "standalone");
            for (String component : List.of("jobManager", "taskManager")) {
                JsonNode c = spec.path(component);
                assertThat(COMPONENT_SPEC).as(name + "." + component).containsAll(keys(c));
                assertThat(RESOURCE).containsAll(keys(c.path("resource")));
                assertThat(c.path("resource").path("memory").asText()).matches("\\d+[mg]");
            }
            spec.path("flinkConfiguration")
                    .fields()
                    .forEachRemaining(
                            e ->
                                    assertThat(e.getValue().isTextual())
                                            .as(
                                                    name
                                                            + ": flinkConfiguration."
                                                            + e.getKey()
                                                            + " is a string")
                                            .isTrue());
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
        for (JsonNode j : ofKind(docs, "FlinkSessionJob")) {
            String name = j.path("metadata").path("name").asText();
            assertThat(SESSION_JOB_SPEC).as(name + ".spec").containsAll(keys(j.path("spec")));
            assertThat(sessionClusters).contains(j.path("spec").path("deploymentName").asText());
            checkJob(name, j.path("spec").path("job"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"application", "session"})
    void everyFlinkPodGetsTheJvmOptionsS3HaAndTheFlinkServiceAccount(String overlay)
            throws Exception {
        List<JsonNode> docs = render(overlay);
        List<String> opens = jvmOpens();
        List<JsonNode> deployments = ofKind(docs, "FlinkDeployment");
        assertThat(deployments).isNotEmpty();
        for (JsonNode d : deployments) {
            String name = d.path("metadata").path("name").asText();
            JsonNode spec = d.path("spec");
            JsonNode conf = spec.path("flinkConfiguration");
            assertThat(conf.path("env.java.opts.all").asText().split("\\s+"))
                    .as(name + ": the JVM options on every Flink pod")
                    .contains(opens.toArray(String[]::new));
            assertThat(conf.path("execution.checkpointing.unaligned.enabled").asText())
                    .isEqualTo("false");
            assertThat(conf.path("high-availability.type").asText()).isEqualTo("kubernetes");
            for (String key :
                    List.of(
                            "high-availability.storageDir",
                            "execution.checkpointing.dir",
                            "execution.checkpointing.savepoint-dir")) {
                assertThat(conf.path(key).asText()).as(name + ": " + key).startsWith("s3://");
            }
            assertThat(conf.path("s3.endpoint").asText()).isNotEmpty();
            assertThat(spec.path("serviceAccount").asText()).isEqualTo("flink");
            JsonNode pod = spec.path("podTemplate").path("spec");
            JsonNode main = pod.path("containers").get(0);
            assertThat(main.path("envFrom").get(0).path("secretRef").path("name").asText())
                    .isEqualTo("tideline-credentials");
            assertThat(main.path("volumeMounts").toString()).contains("/etc/tideline");
            assertThat(pod.path("volumes").toString()).contains("tideline-config");
        }
        // Every CronJob that runs Java gives it the same options.
        containers(docs)
                .forEach(
                        (name, c) -> {
                            List<String> command = strings(c.path("command"));
                            if (!command.isEmpty() && command.get(0).equals("java")) {
                                assertThat(command).as(name).containsAll(opens);
                            }
                            if (c.has("envFrom")) {
                                assertThat(
                                                c.path("envFrom")
                                                        .path(0)
                                                        .path("secretRef")
                                                        .path("name")
                                                        .asText())
                                        .isEqualTo("tideline-credentials");
                            }
                        });
        // RBAC: the flink service account may manage its pods, ConfigMaps (HA) and leases.
        JsonNode binding =
                ofKind(docs, "RoleBinding").stream()
                        .filter(
                                b ->
                                        b.path("subjects")
                                                .get(0)
                                                .path("name")
                                                .asText()
                                                .equals("flink"))
                        .findFirst()
                        .orElseThrow();
        JsonNode role =
                ofKind(docs, "Role").stream()
                        .filter(
                                r ->
                                        r.path("metadata")
                                                .path("name")
                                                .asText()
                                                .equals(
                                                        binding.path("roleRef")
                                                                .path("name")
                                                                .asText()))
                        .findFirst()
                        .orElseThrow();
        assertThat(role.path("rules").toString())
                .contains("pods", "configmaps", "leases", "create", "watch");
        assertThat(ofKind(docs, "ServiceAccount"))
                .extracting(s -> s.path("metadata").path("name").asText())
                .contains("flink");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application", "session"})
    void theConfigMapHoldsAWholeConfigurationThatLoads(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        String yaml =
                ofKind(docs, "ConfigMap").stream()
                        .filter(
                                d ->
                                        d.path("metadata")
                                                .path("name")
                                                .asText()
                                                .equals("tideline-config"))
                        .findFirst()
                        .orElseThrow()
                        .path("data")
                        .path("tideline.yaml")
                        .asText();
        // The Secret's keys are those the README's kubectl create secret command gives.
        Set<String> secretKeys = new HashSet<>();
        Matcher k = SECRET_KEY.matcher(Files.readString(K8S.resolve("README.md")));
        while (k.find()) {
            secretKeys.add(k.group(1));
        }
        assertThat(secretKeys).isNotEmpty();
        Matcher m = ENV_REF.matcher(yaml);
        while (m.find()) {
            assertThat(secretKeys).as("a key of tideline-credentials").contains(m.group(1));
        }
        // Every secretKeyRef of every pod names one of those keys too.
        Matcher refs = Pattern.compile("\"key\":\"([A-Z0-9_]+)\"").matcher(docs.toString());
        while (refs.find()) {
            assertThat(secretKeys).contains(refs.group(1));
        }
        Map<String, String> env = new HashMap<>();
        secretKeys.forEach(s -> env.put(s, "value-of-" + s));
        TidelineConfig config =
                new ConfigLoader(env::get)
                        .parse(
                                yaml,
                                "deploy/k8s/base/tideline-config.yaml",
                                Path.of("/etc/tideline"));
        assertThat(config.catalog().type())
                .isEqualTo(io.tideline.config.CatalogConfig.CatalogType.REST);
        assertThat(config.kafka().embedded()).isFalse();
        assertThat(config.postgres().embedded()).isFalse();
        assertThat(config.sql().dirPath()).isEqualTo(Path.of("/opt/tideline/sql"));
        assertThat(config.enabledSources()).isNotEmpty();
        // Every files source reads the mounted drops volume.
        config.enabledSources().values().stream()
                .filter(s -> s.kind() == io.tideline.config.SourceConfig.Kind.FILES)
                .forEach(s -> assertThat(s.folder()).startsWith("/mnt/drops/"));
        // The scheduler has something to schedule, and every sync a workload names exists, with its
        // destination.
        assertThat(config.syncs()).isNotEmpty();
        config.syncs()
                .forEach(
                        (name, s) ->
                                assertThat(config.destinations())
                                        .as(name)
                                        .containsKey(s.destination()));
        containers(docs)
                .forEach(
                        (name, c) -> {
                            List<String> args = new ArrayList<>(strings(c.path("command")));
                            args.addAll(strings(c.path("args")));
                            int run = args.indexOf("run");
                            if (run >= 0) {
                                assertThat(config.syncs()).as(name).containsKey(args.get(run + 1));
                            }
                            int sources = args.indexOf("--sources");
                            if (sources >= 0) {
                                for (String source : args.get(sources + 1).split(",")) {
                                    assertThat(config.enabledSources())
                                            .as(name)
                                            .containsKey(source);
                                }
                            }
                        });
        // The drop folder the configuration reads is mounted on the Flink pods.
        assertThat(
                        ofKind(docs, "FlinkDeployment")
                                .get(0)
                                .path("spec")
                                .path("podTemplate")
                                .toString())
                .contains("/mnt/drops");
        assertThat(ofKind(docs, "PersistentVolumeClaim"))
                .extracting(p -> p.path("metadata").path("name").asText())
                .containsExactly("tideline-drops");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application", "session"})
    void theFileReaderRendersWhatKustomizeDoes(String overlay) throws Exception {
        Path dir = K8S.resolve("overlays").resolve(overlay);
        List<JsonNode> kustomize = kubectl(dir);
        org.junit.jupiter.api.Assumptions.assumeTrue(kustomize != null, "no kubectl here");
        List<JsonNode> files = new ArrayList<>();
        renderFiles(dir, files, new ArrayList<>());
        assertThat(files).hasSameSizeAs(kustomize);
        for (JsonNode k : kustomize) {
            JsonNode f =
                    files.stream()
                            .filter(
                                    d ->
                                            d.path("kind").equals(k.path("kind"))
                                                    && d.path("metadata")
                                                            .path("name")
                                                            .equals(
                                                                    k.path("metadata")
                                                                            .path("name")))
                            .findFirst()
                            .orElseThrow();
            assertThat(f.path("spec"))
                    .as(k.path("metadata").path("name").asText())
                    .isEqualTo(k.path("spec"));
            assertThat(f.path("data")).isEqualTo(k.path("data"));
        }
    }

    @Test
    void theImagesNamedAreTheOnesDeployImagesBuilds() throws Exception {
        String pom = Files.readString(ROOT.resolve("deploy/images/pom.xml"));
        Matcher tag = Pattern.compile("<tideline.image.tag>([^<]+)<").matcher(pom);
        assertThat(tag.find()).isTrue();
        Set<String> built = new TreeSet<>();
        Matcher to = Pattern.compile("<to>\\s*<image>([^<]+)</image>").matcher(pom);
        while (to.find()) {
            built.add(to.group(1).replace("${tideline.image.tag}", tag.group(1)));
        }
        assertThat(built)
                .containsExactly(
                        "ghcr.io/tideline/tideline-flink:0.1.0",
                        "ghcr.io/tideline/tideline-sync:0.1.0");
        assertThat(pom)
                .contains(
                        "<image>${tideline.flink.base}</image>",
                        "<tideline.flink.base>flink:2.0.0-");
        assertThat(pom)
                .as("the SQL files travel in the Flink image")
                .contains("/sql</directory>", "opt/tideline/sql");
        for (String overlay : List.of("application", "session")) {
            Matcher images =
                    Pattern.compile("\"image\":\"([^\"]+)\"").matcher(render(overlay).toString());
            while (images.find()) {
                if (images.group(1).startsWith("ghcr.io/tideline/")) {
                    assertThat(built).as(overlay).contains(images.group(1));
                }
            }
        }
    }

    /**
     * When the images were built ({@code -Pimages}; here, with no registry reachable, on {@code
     * scratch}), each tar is a loadable image with its name and its files.
     */
    @Test
    void theBuiltImageTarsHoldTheirFiles() throws Exception {
        Path target = ROOT.resolve("deploy/images/target");
        Map<String, List<String>> expected =
                Map.of(
                        "tideline-flink-image.tar",
                        List.of(
                                "opt/flink/usrlib/tideline-pipelines-job.jar",
                                "opt/tideline/sql/init.sql",
                                "opt/tideline/sql/checks/"),
                        "tideline-sync-image.tar",
                        List.of("app/tideline-reverse-etl-app.jar"));
        int checked = 0;
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            Path tar = target.resolve(e.getKey());
            if (!Files.isRegularFile(tar)) {
                continue;
            }
            checked++;
            ImageTar image = ImageTar.read(tar);
            assertThat(image.repoTags()).singleElement().asString().startsWith("ghcr.io/tideline/");
            for (String file : e.getValue()) {
                assertThat(image.files()).as(e.getKey()).anyMatch(f -> f.startsWith(file));
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(
                checked > 0,
                "no image built (./mvnw -B package -DskipTests -Pimages -pl deploy/images -am)");
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
}
