/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local stand-in for the SaaS APIs that syncs deliver to, so that users (and tests) can try a
 * sync safely. It speaks their wire formats and enforces their limits:
 *
 * <ul>
 *   <li>HubSpot CRM v3 batch endpoints ({@code POST /crm/v3/objects/{type}/batch/upsert|create|
 *       update|archive}): at most 100 inputs (else 400), 207 with per-record errors, 409 when a
 *       created or updated record's id property already belongs to another object, 429 with the
 *       {@code X-HubSpot-RateLimit-*} headers and a {@code policyName};
 *   <li>Salesforce sObject Collections ({@code PATCH .../composite/sobjects/{SObject}/{ExternalId}}
 *       upsert, {@code POST|PATCH|DELETE .../composite/sobjects}): at most 200 records (else 400),
 *       one result per record in input order, {@code Sforce-Limit-Info} on every answer;
 *   <li>Salesforce Bulk API 2.0 ingest ({@code .../jobs/ingest}: create, {@code PUT} the CSV,
 *       {@code PATCH} to {@code UploadComplete} or {@code Aborted}, poll, {@code
 *       successfulResults/} and {@code failedResults/}), jobs kept in memory, rows applied to the
 *       same sObject store; {@code InProgress} on the first poll after the close; malformed
 *       requests answered 400/404 with {@code [{"errorCode","message"}]};
 *   <li>a JSON webhook ({@code POST /webhook/{name}}) with an optional HMAC-SHA256 signature check.
 * </ul>
 *
 * Every call needs {@code Authorization: Bearer <token>}. Faults (429, 5xx, timeouts, per-record
 * rejections) are injected at configured shares from a seeded generator. What it received is
 * exposed by the Java API ({@link #hubspotObjects}, {@link #calls}, ...) and over HTTP ({@code GET
 * /_emulator/state}, {@code GET /_emulator/calls}).
 */
public final class SaasEmulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SaasEmulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EmulatorOptions options;
    private final HttpServer server;
    private final ExecutorService executor;
    private final long startNanos = System.nanoTime();
    private final Random random;
    private volatile EmulatorOptions.Faults faults;
    private volatile int rateLimitRequests;
    private volatile Duration rateLimitWindow;
    private final Map<String, ArrayDeque<Long>> windows = new ConcurrentHashMap<>();
    private final AtomicLong dailyUsed = new AtomicLong();
    private final AtomicLong nextId = new AtomicLong(1000);
    private final List<ReceivedCall> calls = new ArrayList<>();
    private final double[] drawBlock = new double[100];
    private int drawIndex = drawBlock.length;

    /** HubSpot: object type → object id → properties. */
    private final Map<String, ObjectStore> hubspot = new LinkedHashMap<>();

    /** Salesforce: sObject → Id → fields. */
    private final Map<String, ObjectStore> salesforce = new LinkedHashMap<>();

    /** Salesforce Bulk API 2.0 ingest jobs, by id. */
    private final SalesforceBulk bulk = new SalesforceBulk();

    /** Webhook: name → key → fields. */
    private final Map<String, ObjectStore> webhook = new LinkedHashMap<>();

    private SaasEmulator(EmulatorOptions options) throws IOException {
        this.options = options;
        this.faults = options.faults();
        this.rateLimitRequests = options.rateLimitRequests();
        this.rateLimitWindow = options.rateLimitWindow();
        this.random = new Random(options.seed());
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", options.port()), 200);
        this.executor = Executors.newCachedThreadPool(r -> daemon(r, "saas-emulator"));
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts an emulator on a loopback port. */
    public static SaasEmulator start(EmulatorOptions options) {
        if (options.token() == null || options.token().isBlank()) {
            throw new IllegalArgumentException("the emulator needs a bearer token");
        }
        // The JDK server writes headers and body apart; with Nagle's algorithm on, the body waits
        // for the client's delayed ACK (~40 ms a call). Read once, when the server classes load.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        try {
            SaasEmulator e = new SaasEmulator(options);
            LOG.info("SaaS emulator listening on {}", e.baseUri());
            return e;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the SaaS emulator", e);
        }
    }

    /**
     * Runs an emulator until the process is stopped.
     *
     * <pre>
     * SaasEmulator [--port 8089] [--token-env EMULATOR_TOKEN] [--seed 42]
     *              [--rate 100/10s] [--faults 0.1] [--record-rejection 0.01]
     * </pre>
     */
    public static void main(String[] args) throws InterruptedException {
        int port = 8089;
        String tokenEnv = "EMULATOR_TOKEN";
        long seed = 42;
        int requests = 100;
        Duration window = Duration.ofSeconds(10);
        double faultShare = 0;
        double rejection = 0;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--token-env" -> tokenEnv = args[++i];
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--rate" -> {
                    String[] p = value.split("/");
                    requests = Integer.parseInt(p[0]);
                    window = io.tideline.config.Durations.parse(p[1]);
                    i++;
                }
                case "--faults" -> faultShare = Double.parseDouble(args[++i]);
                case "--record-rejection" -> rejection = Double.parseDouble(args[++i]);
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(64);
                }
            }
        }
        String token = System.getenv(tokenEnv);
        if (token == null || token.isBlank()) {
            System.err.println("set the bearer token in the environment variable " + tokenEnv);
            System.exit(64);
        }
        EmulatorOptions o =
                EmulatorOptions.defaults(token)
                        .withPortAndSeed(port, seed)
                        .withRateLimit(requests, window)
                        .withFaults(
                                EmulatorOptions.Faults.calls(faultShare, Duration.ofSeconds(35))
                                        .withRecordRejection(rejection));
        SaasEmulator emulator = start(o);
        System.out.println("SaaS emulator at " + emulator.baseUri());
        Thread.currentThread().join();
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public EmulatorOptions options() {
        return options;
    }

    public void setFaults(EmulatorOptions.Faults faults) {
        this.faults = faults;
    }

    public void setRateLimit(int requests, Duration window) {
        this.rateLimitRequests = requests;
        this.rateLimitWindow = window;
    }

    // ---------------------------------------------------------------- what it received

    /** The live (not archived) HubSpot objects of a type: object id → properties. */
    public synchronized Map<String, Map<String, Object>> hubspotObjects(String type) {
        return copy(hubspot.get(type));
    }

    /** The Salesforce records of an sObject: Id → fields. */
    public synchronized Map<String, Map<String, Object>> salesforceRecords(String sobject) {
        return copy(salesforce.get(sobject));
    }

    /** The Salesforce Bulk API 2.0 ingest jobs received so far, in creation order. */
    public synchronized List<SalesforceBulkJob> salesforceBulkJobs() {
        return bulk.views();
    }

    /** The records a webhook holds (upserted and not deleted): key → fields. */
    public synchronized Map<String, Map<String, Object>> webhookRecords(String name) {
        return copy(webhook.get(name));
    }

    /** Every call received so far, in arrival order. */
    public synchronized List<ReceivedCall> calls() {
        return List.copyOf(calls);
    }

    /** The most calls of one API that arrived within any window of {@code window}. */
    public synchronized int maxCallsInAnyWindow(String api, Duration window) {
        List<Double> at =
                calls.stream()
                        .filter(c -> c.api().equals(api))
                        .map(c -> c.atMillis())
                        .sorted()
                        .toList();
        int max = 0;
        int start = 0;
        double w = window.toNanos() / 1e6;
        for (int end = 0; end < at.size(); end++) {
            while (at.get(end) - at.get(start) >= w) {
                start++;
            }
            max = Math.max(max, end - start + 1);
        }
        return max;
    }

    /** Creates a HubSpot object directly, as if someone had made it in HubSpot's UI. */
    public synchronized String seedHubspotObject(String type, Map<String, Object> properties) {
        String id = String.valueOf(nextId.incrementAndGet());
        ObjectStore store = hubspot.computeIfAbsent(type, k -> new ObjectStore());
        store.create(id);
        properties.forEach((k, v) -> store.set(id, k, v));
        return id;
    }

    /** Deletes a HubSpot object directly. */
    public synchronized void removeHubspotObject(String type, String id) {
        ObjectStore objects = hubspot.get(type);
        if (objects != null) {
            objects.remove(id);
        }
    }

    /** Forgets every call and record. */
    public synchronized void reset() {
        calls.clear();
        bulk.clear();
        hubspot.clear();
        salesforce.clear();
        webhook.clear();
        windows.clear();
    }

    // ---------------------------------------------------------------- HTTP

    private record Answer(int status, Object body, Map<String, String> headers) {}

    /** A body sent as it is (a CSV), rather than as JSON. */
    private record Text(String contentType, String text) {}

    private void handle(HttpExchange ex) throws IOException {
        double at = (System.nanoTime() - startNanos) / 1e6;
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !constantTimeEquals(auth, "Bearer " + options.token())) {
            send(
                    ex,
                    new Answer(
                            401,
                            error("INVALID_AUTHENTICATION", "missing or wrong bearer token"),
                            Map.of()));
            return;
        }
        if (path.startsWith("/_emulator/")) {
            send(ex, new Answer(200, inspect(path), Map.of()));
            return;
        }
        String api =
                path.startsWith("/crm/v3/")
                        ? "hubspot"
                        : path.startsWith("/services/data/")
                                ? "salesforce"
                                : path.startsWith("/webhook/") ? "webhook" : null;
        if (api == null) {
            send(ex, new Answer(404, error("NOT_FOUND", "no such endpoint " + path), Map.of()));
            return;
        }
        EmulatorOptions.Faults f = faults;
        Map<String, String> limitHeaders = new LinkedHashMap<>();
        boolean throttled = !admit(api, limitHeaders);
        long daily = dailyUsed.incrementAndGet();
        if (api.equals("hubspot")) {
            limitHeaders.put("X-HubSpot-RateLimit-Daily", String.valueOf(options.dailyLimit()));
            limitHeaders.put(
                    "X-HubSpot-RateLimit-Daily-Remaining",
                    String.valueOf(Math.max(0, options.dailyLimit() - daily)));
        } else if (api.equals("salesforce")) {
            limitHeaders.put(
                    "Sforce-Limit-Info", "api-usage=" + daily + "/" + options.dailyLimit());
        }
        String fault = null;
        double draw = nextDraw();
        Answer answer;
        if (daily > options.dailyLimit()) {
            fault = "daily-limit";
            answer =
                    api.equals("salesforce")
                            ? new Answer(
                                    403,
                                    sfError(
                                            "REQUEST_LIMIT_EXCEEDED",
                                            "TotalRequests Limit exceeded."),
                                    limitHeaders)
                            : throttle(api, "DAILY", limitHeaders);
        } else if (throttled) {
            fault = "rate-limit";
            answer = throttle(api, "TEN_SECONDLY_ROLLING", limitHeaders);
        } else if (draw < f.throttled()) {
            fault = "injected-429";
            answer = throttle(api, "TEN_SECONDLY_ROLLING", limitHeaders);
        } else if (draw < f.throttled() + f.serverError()) {
            fault = "injected-5xx";
            int status = new int[] {500, 502, 503}[(int) (draw * 1e6) % 3];
            answer =
                    new Answer(
                            status, error("INTERNAL_ERROR", "injected server error"), limitHeaders);
        } else {
            boolean timeout = draw < f.throttled() + f.serverError() + f.timeout();
            if (timeout) {
                fault = "injected-timeout";
            }
            Result r;
            try {
                if (api.equals("salesforce") && SalesforceBulk.handles(path)) {
                    // Bulk API 2.0 ingest: CSV uploads and results, not JSON
                    r =
                            salesforceBulk(
                                    method,
                                    path,
                                    body,
                                    ex.getRequestHeaders().getFirst("Content-Type"),
                                    f);
                } else {
                    JsonNode json =
                            body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
                    r =
                            switch (api) {
                                case "hubspot" -> hubspot(method, path, json, f);
                                case "salesforce" ->
                                        salesforce(method, ex.getRequestURI(), json, f);
                                default -> webhook(path, json, body, ex);
                            };
                }
            } catch (IOException | RuntimeException e) {
                r =
                        new Result(
                                "?",
                                new Answer(
                                        400,
                                        error(
                                                "VALIDATION_ERROR",
                                                "malformed request: " + e.getMessage()),
                                        Map.of()),
                                false,
                                List.of());
            }
            Map<String, String> headers = new LinkedHashMap<>(r.answer.headers);
            headers.putAll(limitHeaders);
            answer = new Answer(r.answer.status, r.answer.body, headers);
            record(new ReceivedCall(api, r.operation, at, answer.status, fault, r.applied, r.keys));
            if (timeout) {
                sleep(f.timeoutDelay());
            } else {
                sleep(f.latency());
            }
            send(ex, answer);
            return;
        }
        record(
                new ReceivedCall(
                        api,
                        operationOf(method, path),
                        at,
                        answer.status,
                        fault,
                        false,
                        List.of()));
        sleep(f.latency());
        send(ex, answer);
    }

    /**
     * The next call's draw in [0, 1): stratified, so that the configured shares hold exactly in
     * every block of 100 calls (each block is the 100 quantiles, shuffled by the seeded generator).
     */
    private double nextDraw() {
        synchronized (random) {
            if (drawIndex == drawBlock.length) {
                for (int i = 0; i < drawBlock.length; i++) {
                    drawBlock[i] = (i + 0.5) / drawBlock.length;
                }
                for (int i = drawBlock.length - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    double t = drawBlock[i];
                    drawBlock[i] = drawBlock[j];
                    drawBlock[j] = t;
                }
                drawIndex = 0;
            }
            return drawBlock[drawIndex++];
        }
    }

    private synchronized void record(ReceivedCall call) {
        calls.add(call);
    }

    /** Counts the call in the API's rolling window; false when the window is full. */
    private boolean admit(String api, Map<String, String> headers) {
        long now = System.nanoTime();
        long window = rateLimitWindow.toNanos();
        int max = rateLimitRequests;
        ArrayDeque<Long> q = windows.computeIfAbsent(api, k -> new ArrayDeque<>());
        synchronized (q) {
            for (Iterator<Long> it = q.iterator(); it.hasNext(); ) {
                if (now - it.next() >= window) {
                    it.remove();
                } else {
                    break;
                }
            }
            boolean admitted = q.size() < max;
            if (admitted) {
                q.addLast(now);
            }
            if (api.equals("hubspot")) {
                headers.put(
                        "X-HubSpot-RateLimit-Interval-Milliseconds",
                        String.valueOf(rateLimitWindow.toMillis()));
                headers.put("X-HubSpot-RateLimit-Max", String.valueOf(max));
                headers.put(
                        "X-HubSpot-RateLimit-Remaining",
                        String.valueOf(Math.max(0, max - q.size())));
            } else if (!admitted) {
                long oldest = q.isEmpty() ? now : q.peekFirst();
                long waitMs = Math.max(1, (window - (now - oldest)) / 1_000_000);
                headers.put("Retry-After", String.valueOf(Math.max(1, (waitMs + 999) / 1000)));
            }
            return admitted;
        }
    }

    private Answer throttle(String api, String policy, Map<String, String> headers) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        if (!api.equals("hubspot")) {
            h.putIfAbsent("Retry-After", "1");
        }
        ObjectNode body =
                error("RATE_LIMIT", "You have reached your " + policy.toLowerCase() + " limit.");
        body.put("errorType", "RATE_LIMIT");
        body.put("policyName", policy);
        return new Answer(429, body, h);
    }

    private record Result(String operation, Answer answer, boolean applied, List<String> keys) {}

    // ---------------------------------------------------------------- HubSpot

    private synchronized Result hubspot(
            String method, String path, JsonNode json, EmulatorOptions.Faults f) {
        String[] parts = path.split("/");
        // /crm/v3/objects/{type}/batch/{op}
        if (!method.equals("POST")
                || parts.length != 7
                || !parts[3].equals("objects")
                || !parts[5].equals("batch")) {
            return new Result(
                    "?",
                    new Answer(
                            404,
                            error("NOT_FOUND", "no such endpoint " + method + " " + path),
                            Map.of()),
                    false,
                    List.of());
        }
        String type = parts[4];
        String op = parts[6];
        JsonNode inputs = json.path("inputs");
        if (!inputs.isArray() || inputs.isEmpty()) {
            return new Result(
                    op,
                    new Answer(
                            400,
                            hsError("VALIDATION_ERROR", "inputs: expected a non-empty array"),
                            Map.of()),
                    false,
                    List.of());
        }
        if (inputs.size() > options.hubspotMaxBatch()) {
            return new Result(
                    op,
                    new Answer(
                            400,
                            hsError(
                                    "VALIDATION_ERROR",
                                    "Batch size "
                                            + inputs.size()
                                            + " exceeds the limit of "
                                            + options.hubspotMaxBatch()
                                            + " inputs"),
                            Map.of()),
                    false,
                    List.of());
        }
        ObjectStore objects = hubspot.computeIfAbsent(type, k -> new ObjectStore());
        List<String> keys = new ArrayList<>();
        for (JsonNode in : inputs) {
            keys.add(in.path("id").asText(in.path("properties").path("email").asText("")));
        }
        if (op.equals("archive")) {
            for (JsonNode in : inputs) {
                objects.remove(in.path("id").asText());
            }
            return new Result(op, new Answer(204, null, Map.of()), true, keys);
        }
        // 409: a created object, or an object whose id property changes, would take an id property
        // value another object already holds. The whole batch is rejected.
        for (JsonNode in : inputs) {
            String idProperty = in.path("idProperty").asText("email");
            JsonNode props = in.path("properties");
            String value = props.path(op.equals("create") ? "email" : idProperty).asText(null);
            if (op.equals("create") && value != null) {
                String existing = objects.find("email", value);
                if (existing != null) {
                    return conflict(op, keys, existing);
                }
            }
            if (op.equals("update") && !in.has("idProperty") && props.has("email")) {
                String existing = objects.find("email", props.path("email").asText());
                if (existing != null && !existing.equals(in.path("id").asText())) {
                    return conflict(op, keys, existing);
                }
            }
        }
        ArrayNode results = JSON.createArrayNode();
        ArrayNode errors = JSON.createArrayNode();
        for (JsonNode in : inputs) {
            JsonNode props = in.path("properties");
            String idProperty = in.path("idProperty").asText(null);
            String inputId = in.path("id").asText(null);
            String reported = inputId != null ? inputId : props.path("email").asText("");
            String invalid = invalidEmail(props);
            if (invalid == null && rejectRecord(f)) {
                invalid = "Property values were not valid: injected rejection of " + reported;
            }
            if (invalid != null) {
                errors.add(recordError("VALIDATION_ERROR", invalid, reported));
                continue;
            }
            String id;
            boolean created = false;
            switch (op) {
                case "upsert" -> {
                    String prop = idProperty == null ? "email" : idProperty;
                    id = objects.find(prop, inputId);
                    if (id == null) {
                        id = String.valueOf(nextId.incrementAndGet());
                        objects.create(id);
                        objects.set(id, prop, inputId);
                        created = true;
                    }
                }
                case "create" -> {
                    id = String.valueOf(nextId.incrementAndGet());
                    objects.create(id);
                    created = true;
                }
                case "update" -> {
                    id =
                            idProperty == null
                                    ? (objects.contains(inputId) ? inputId : null)
                                    : objects.find(idProperty, inputId);
                    if (id == null) {
                        errors.add(
                                recordError(
                                        "OBJECT_NOT_FOUND",
                                        "Object not found. objectId are usually numeric.",
                                        reported));
                        continue;
                    }
                }
                default -> {
                    return new Result(
                            op,
                            new Answer(
                                    404,
                                    hsError("NOT_FOUND", "no batch operation " + op),
                                    Map.of()),
                            false,
                            keys);
                }
            }
            String objectId = id;
            props.fields()
                    .forEachRemaining(
                            e ->
                                    objects.set(
                                            objectId,
                                            e.getKey(),
                                            e.getValue().isNull() ? null : e.getValue().asText()));
            ObjectNode r = results.addObject();
            r.put("id", id);
            // like HubSpot, the properties of the result are the ones the call wrote
            ObjectNode written = r.putObject("properties");
            for (Map.Entry<String, Object> e : objects.get(id).entrySet()) {
                if (props.has(e.getKey())
                        || e.getKey().equals(idProperty == null ? "email" : idProperty)) {
                    written.put(e.getKey(), e.getValue() == null ? null : e.getValue().toString());
                }
            }
            r.put("new", created);
            r.put("archived", false);
            r.put("updatedAt", Instant.now().toString());
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("status", "COMPLETE");
        body.set("results", results);
        body.put("startedAt", Instant.now().toString());
        body.put("completedAt", Instant.now().toString());
        if (!errors.isEmpty()) {
            body.put("numErrors", errors.size());
            body.set("errors", errors);
        }
        return new Result(op, new Answer(errors.isEmpty() ? 200 : 207, body, Map.of()), true, keys);
    }

    private Result conflict(String op, List<String> keys, String existing) {
        ObjectNode body = hsError("CONFLICT", "Contact already exists. Existing ID: " + existing);
        return new Result(op, new Answer(409, body, Map.of()), false, keys);
    }

    private static String invalidEmail(JsonNode props) {
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().toLowerCase().contains("email")
                    && e.getValue().isTextual()
                    && !e.getValue().asText().contains("@")) {
                return "Property values were not valid: Email address "
                        + e.getValue().asText()
                        + " is invalid";
            }
        }
        return null;
    }

    private boolean rejectRecord(EmulatorOptions.Faults f) {
        if (f.recordRejection() <= 0) {
            return false;
        }
        synchronized (random) {
            return random.nextDouble() < f.recordRejection();
        }
    }

    private static ObjectNode recordError(String category, String message, String id) {
        ObjectNode e = JSON.createObjectNode();
        e.put("status", "error");
        e.put("category", category);
        e.put("message", message);
        e.putObject("context").putArray("ids").add(id);
        return e;
    }

    private static ObjectNode hsError(String category, String message) {
        ObjectNode e = JSON.createObjectNode();
        e.put("status", "error");
        e.put("message", message);
        e.put("category", category);
        return e;
    }

    // ---------------------------------------------------------------- Salesforce

    private synchronized Result salesforce(
            String method, URI uri, JsonNode json, EmulatorOptions.Faults f) {
        String[] parts = uri.getPath().split("/");
        // /services/data/vXX.X/composite/sobjects[/{SObject}/{ExternalIdField}]
        if (parts.length < 6 || !parts[4].equals("composite") || !parts[5].equals("sobjects")) {
            return new Result(
                    "?",
                    new Answer(
                            404,
                            sfError("NOT_FOUND", "The requested resource does not exist"),
                            Map.of()),
                    false,
                    List.of());
        }
        if (method.equals("DELETE")) {
            String ids = queryParam(uri, "ids");
            List<String> list = ids == null || ids.isBlank() ? List.of() : List.of(ids.split(","));
            if (list.isEmpty() || list.size() > options.salesforceMaxBatch()) {
                return new Result(
                        "delete",
                        new Answer(
                                400,
                                sfError(
                                        "EXCEEDED_ID_LIMIT",
                                        "ids: expected 1 to "
                                                + options.salesforceMaxBatch()
                                                + " ids"),
                                Map.of()),
                        false,
                        list);
            }
            ArrayNode results = JSON.createArrayNode();
            for (String id : list) {
                ObjectStore owner = null;
                for (ObjectStore m : salesforce.values()) {
                    if (m.contains(id)) {
                        owner = m;
                    }
                }
                ObjectNode r = results.addObject();
                r.put("id", id);
                if (owner == null) {
                    r.put("success", false);
                    r.putArray("errors")
                            .add(sfErrorItem("ENTITY_IS_DELETED", "entity is deleted", List.of()));
                } else {
                    owner.remove(id);
                    r.put("success", true);
                    r.putArray("errors");
                }
            }
            return new Result("delete", new Answer(200, results, Map.of()), true, list);
        }
        JsonNode records = json.path("records");
        String op = parts.length == 8 ? "upsert" : method.equals("POST") ? "create" : "update";
        if (!records.isArray()
                || records.isEmpty()
                || records.size() > options.salesforceMaxBatch()) {
            return new Result(
                    op,
                    new Answer(
                            400,
                            sfError(
                                    "INVALID_BATCH_SIZE",
                                    "records: expected 1 to "
                                            + options.salesforceMaxBatch()
                                            + " records"),
                            Map.of()),
                    false,
                    List.of());
        }
        String externalField = parts.length == 8 ? parts[7] : null;
        ArrayNode results = JSON.createArrayNode();
        List<String> keys = new ArrayList<>();
        for (JsonNode rec : records) {
            String type =
                    rec.path("attributes").path("type").asText(parts.length == 8 ? parts[6] : "");
            ObjectStore table = salesforce.computeIfAbsent(type, k -> new ObjectStore());
            String key =
                    externalField != null
                            ? rec.path(externalField).asText()
                            : rec.path("Id").asText(null);
            keys.add(key == null ? "" : key);
            ObjectNode r = results.addObject();
            String invalid = invalidEmail(rec);
            if (invalid == null && rejectRecord(f)) {
                invalid = "injected rejection";
            }
            if (invalid != null) {
                r.putNull("id");
                r.put("success", false);
                r.putArray("errors").add(sfErrorItem("INVALID_EMAIL_ADDRESS", invalid, List.of()));
                continue;
            }
            String id;
            boolean created = false;
            if (op.equals("upsert")) {
                id = table.find(externalField, key);
                if (id == null) {
                    id = newSalesforceId();
                    table.create(id);
                    created = true;
                }
            } else if (op.equals("create")) {
                String external = null;
                for (Iterator<String> it = rec.fieldNames(); it.hasNext(); ) {
                    String field = it.next();
                    if (field.endsWith("__c")
                            && table.find(field, rec.path(field).asText()) != null) {
                        external = field;
                    }
                }
                if (external != null) {
                    r.putNull("id");
                    r.put("success", false);
                    r.putArray("errors")
                            .add(
                                    sfErrorItem(
                                            "DUPLICATE_VALUE",
                                            "duplicate value found: "
                                                    + external
                                                    + " duplicates value on record with id: "
                                                    + table.find(
                                                            external, rec.path(external).asText()),
                                            List.of(external)));
                    continue;
                }
                id = newSalesforceId();
                table.create(id);
                created = true;
            } else {
                id = key != null && table.contains(key) ? key : null;
                if (id == null) {
                    r.putNull("id");
                    r.put("success", false);
                    r.putArray("errors")
                            .add(
                                    sfErrorItem(
                                            "ENTITY_IS_DELETED",
                                            "entity is deleted or does not exist",
                                            List.of("Id")));
                    continue;
                }
            }
            String recordId = id;
            rec.fields()
                    .forEachRemaining(
                            e -> {
                                if (!e.getKey().equals("attributes") && !e.getKey().equals("Id")) {
                                    table.set(
                                            recordId,
                                            e.getKey(),
                                            e.getValue().isNull()
                                                    ? null
                                                    : JSON.convertValue(
                                                            e.getValue(), Object.class));
                                }
                            });
            r.put("id", id);
            r.put("success", true);
            r.put("created", created);
            r.putArray("errors");
        }
        return new Result(op, new Answer(200, results, Map.of()), true, keys);
    }

    // ---------------------------------------------------------------- Salesforce Bulk API 2.0

    private static Answer sfAnswer(int status, String code, String message) {
        return new Answer(status, sfError(code, message), Map.of());
    }

    private static Result bulkResult(String op, Answer answer, boolean applied, List<String> keys) {
        return new Result(op, answer, applied, keys);
    }

    /**
     * Bulk API 2.0 ingest: {@code POST .../jobs/ingest} creates a job, {@code PUT
     * .../jobs/ingest/{id}/batches} takes its CSV (one upload per job), {@code PATCH
     * .../jobs/ingest/{id}} closes ({@code UploadComplete}) or aborts it, {@code GET
     * .../jobs/ingest/{id}} answers its state ({@code InProgress} on the first poll after the
     * close; the rows are applied on the next, which answers {@code JobComplete}), {@code GET
     * .../successfulResults/} and {@code .../failedResults/} its result files, in no particular
     * order. The rows go to the same sObject store as the sObject Collections endpoints, with the
     * same per-record rejections (an email field without {@code @}, the injected share).
     */
    private synchronized Result salesforceBulk(
            String method, String path, byte[] body, String contentType, EmulatorOptions.Faults f) {
        String op = SalesforceBulk.operationOf(method, path);
        String[] parts = path.split("/");
        if (parts.length == 6) {
            if (!method.equals("POST")) {
                return bulkResult(
                        op,
                        sfAnswer(
                                405,
                                "METHOD_NOT_ALLOWED",
                                "HTTP Method '" + method + "' not allowed. Allowed are POST"),
                        false,
                        List.of());
            }
            return bulkCreate(op, parts[3], body);
        }
        SalesforceBulk.Job job = bulk.get(parts[6]);
        if (job == null) {
            return bulkResult(
                    op,
                    sfAnswer(404, "NOT_FOUND", "The requested resource does not exist"),
                    false,
                    List.of(parts[6]));
        }
        List<String> jobKey = List.of(job.id);
        if (parts.length == 7) {
            if (method.equals("GET")) {
                return bulkPoll(op, job, f);
            }
            if (method.equals("PATCH")) {
                return bulkState(op, job, body);
            }
            return bulkResult(
                    op,
                    sfAnswer(
                            405,
                            "METHOD_NOT_ALLOWED",
                            "HTTP Method '"
                                    + method
                                    + "' not allowed. Allowed are GET,PATCH,DELETE"),
                    false,
                    jobKey);
        }
        String sub = parts[7];
        if (sub.equals("batches")) {
            if (!method.equals("PUT")) {
                return bulkResult(
                        op,
                        sfAnswer(
                                405,
                                "METHOD_NOT_ALLOWED",
                                "HTTP Method '" + method + "' not allowed. Allowed are PUT"),
                        false,
                        jobKey);
            }
            return bulkUpload(op, job, body, contentType);
        }
        if ((sub.equals("successfulResults") || sub.equals("failedResults"))
                && method.equals("GET")) {
            if (!job.state.equals("JobComplete") && !job.state.equals("Failed")) {
                return bulkResult(
                        op,
                        sfAnswer(
                                400,
                                "INVALIDJOBSTATE",
                                "Job "
                                        + job.id
                                        + " is "
                                        + job.state
                                        + ": results are available once it is complete"),
                        false,
                        jobKey);
            }
            job.calls.add(sub);
            String csv =
                    sub.equals("successfulResults") ? job.successfulResults : job.failedResults;
            return bulkResult(
                    op, new Answer(200, new Text("text/csv", csv), Map.of()), false, jobKey);
        }
        return bulkResult(
                op,
                sfAnswer(404, "NOT_FOUND", "The requested resource does not exist"),
                false,
                jobKey);
    }

    private Result bulkCreate(String op, String version, byte[] body) {
        JsonNode req;
        try {
            req = JSON.readTree(body);
        } catch (IOException e) {
            return bulkResult(
                    op,
                    sfAnswer(400, "JSON_PARSER_ERROR", "malformed JSON: " + e.getMessage()),
                    false,
                    List.of());
        }
        if (req == null || !req.isObject()) {
            return bulkResult(
                    op,
                    sfAnswer(400, "JSON_PARSER_ERROR", "expected a JSON object"),
                    false,
                    List.of());
        }
        String object = req.path("object").asText("");
        String operation = req.path("operation").asText("");
        String external = req.path("externalIdFieldName").asText("");
        String contentType = req.path("contentType").asText("CSV");
        String lineEnding = req.path("lineEnding").asText("LF");
        String problem = null;
        if (object.isBlank()) {
            problem = "InvalidJob : object is required";
        } else if (!List.of("insert", "upsert", "update", "delete").contains(operation)) {
            problem =
                    "InvalidJob : Invalid operation: '"
                            + operation
                            + "'; expected insert, upsert, update or delete";
        } else if (operation.equals("upsert") && external.isBlank()) {
            problem =
                    "InvalidJob : External ID was blank for "
                            + object
                            + ". An External ID must be specified for upsert.";
        } else if (!contentType.equals("CSV")) {
            problem = "InvalidJob : Invalid contentType: '" + contentType + "'; expected CSV";
        } else if (!lineEnding.equals("LF") && !lineEnding.equals("CRLF")) {
            problem = "InvalidJob : Invalid lineEnding: '" + lineEnding + "'; expected LF or CRLF";
        }
        if (problem != null) {
            return bulkResult(op, sfAnswer(400, "INVALIDJOB", problem), false, List.of());
        }
        SalesforceBulk.Job job =
                bulk.create(
                        object,
                        operation,
                        operation.equals("upsert") ? external : null,
                        lineEnding,
                        version,
                        Instant.now().toString());
        job.calls.add("create");
        return bulkResult(op, new Answer(200, jobInfo(job), Map.of()), true, List.of(job.id));
    }

    private Result bulkUpload(String op, SalesforceBulk.Job job, byte[] body, String contentType) {
        List<String> jobKey = List.of(job.id);
        if (!job.state.equals("Open")) {
            return bulkResult(
                    op,
                    sfAnswer(
                            400,
                            "INVALIDJOBSTATE",
                            "Job "
                                    + job.id
                                    + " is "
                                    + job.state
                                    + ": data can be uploaded only while it is Open"),
                    false,
                    jobKey);
        }
        if (job.rows != null) {
            // Stricter than needed, perhaps: this emulator takes one upload per job.
            return bulkResult(
                    op,
                    sfAnswer(
                            400,
                            "INVALIDJOBSTATE",
                            "Job " + job.id + " already has its data: one upload per job"),
                    false,
                    jobKey);
        }
        if (contentType == null
                || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("text/csv")) {
            return bulkResult(
                    op,
                    sfAnswer(
                            400,
                            "INVALIDCONTENTTYPE",
                            "Content-Type must be text/csv, got " + contentType),
                    false,
                    jobKey);
        }
        List<List<String>> rows;
        try {
            rows = SalesforceBulk.read(new String(body, StandardCharsets.UTF_8), job.lineEnding);
        } catch (IllegalArgumentException e) {
            return bulkResult(
                    op,
                    sfAnswer(400, "INVALIDBATCH", "InvalidBatch : " + e.getMessage()),
                    false,
                    jobKey);
        }
        String problem = null;
        if (rows.isEmpty()) {
            problem = "InvalidBatch : the CSV has no header row";
        } else {
            List<String> header = rows.get(0);
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String column : header) {
                if (!SalesforceBulk.FIELD.matcher(column).matches()) {
                    problem = "InvalidBatch : Field name not valid: '" + column + "'";
                    break;
                }
                if (!seen.add(column.toLowerCase(java.util.Locale.ROOT))) {
                    problem = "InvalidBatch : Duplicate field name: " + column;
                    break;
                }
            }
            if (problem == null) {
                String required =
                        job.operation.equals("upsert")
                                ? job.externalIdFieldName
                                : job.operation.equals("insert") ? null : "Id";
                if (required != null && !header.contains(required)) {
                    problem = "InvalidBatch : Field name not found : " + required;
                } else if (job.operation.equals("delete") && header.size() != 1) {
                    problem = "InvalidBatch : a delete job takes only the Id column, got " + header;
                }
            }
            if (problem == null) {
                for (int i = 1; i < rows.size(); i++) {
                    if (rows.get(i).size() != header.size()) {
                        problem =
                                "InvalidBatch : row "
                                        + i
                                        + " has "
                                        + rows.get(i).size()
                                        + " values, the header "
                                        + header.size();
                        break;
                    }
                }
            }
        }
        if (problem != null) {
            return bulkResult(op, sfAnswer(400, "INVALIDBATCH", problem), false, jobKey);
        }
        job.columns = List.copyOf(rows.get(0));
        job.rows = new ArrayList<>(rows.subList(1, rows.size()));
        job.calls.add("upload");
        String keyColumn =
                job.operation.equals("upsert")
                        ? job.externalIdFieldName
                        : job.operation.equals("insert") ? null : "Id";
        int k = keyColumn == null ? -1 : job.columns.indexOf(keyColumn);
        List<String> keys = new ArrayList<>();
        for (List<String> row : job.rows) {
            keys.add(k < 0 ? "" : row.get(k));
        }
        return bulkResult(op, new Answer(201, null, Map.of()), true, keys);
    }

    private Result bulkState(String op, SalesforceBulk.Job job, byte[] body) {
        List<String> jobKey = List.of(job.id);
        String state;
        try {
            state = JSON.readTree(body).path("state").asText("");
        } catch (IOException | RuntimeException e) {
            return bulkResult(
                    op,
                    sfAnswer(400, "JSON_PARSER_ERROR", "expected {\"state\": ...}"),
                    false,
                    jobKey);
        }
        if (state.equals("UploadComplete")) {
            if (!job.state.equals("Open")) {
                return bulkResult(
                        op,
                        sfAnswer(
                                400,
                                "INVALIDJOBSTATE",
                                "Job " + job.id + " is " + job.state + ", not Open"),
                        false,
                        jobKey);
            }
            job.calls.add("close");
            if (job.rows == null) {
                job.state = "Failed";
                job.errorMessage = "InvalidBatch : No data was uploaded to the job";
            } else {
                job.state = "UploadComplete";
            }
            return bulkResult(op, new Answer(200, jobInfo(job), Map.of()), true, jobKey);
        }
        if (state.equals("Aborted")) {
            if (job.ended()) {
                return bulkResult(
                        op,
                        sfAnswer(
                                400,
                                "INVALIDJOBSTATE",
                                "Job " + job.id + " is " + job.state + ": it cannot be aborted"),
                        false,
                        jobKey);
            }
            job.calls.add("abort");
            job.state = "Aborted";
            return bulkResult(op, new Answer(200, jobInfo(job), Map.of()), true, jobKey);
        }
        return bulkResult(
                op,
                sfAnswer(
                        400,
                        "INVALIDJOBSTATE",
                        "Invalid state '" + state + "': expected UploadComplete or Aborted"),
                false,
                jobKey);
    }

    private Result bulkPoll(String op, SalesforceBulk.Job job, EmulatorOptions.Faults f) {
        boolean applied = false;
        if (job.state.equals("UploadComplete")) {
            // the first poll after the close finds it in progress
            job.state = "InProgress";
        } else if (job.state.equals("InProgress")) {
            bulkProcess(job, f);
            job.state = "JobComplete";
            applied = true;
        }
        job.calls.add("poll:" + job.state);
        return bulkResult(op, new Answer(200, jobInfo(job), Map.of()), applied, List.of(job.id));
    }

    /** Applies a job's rows, as the sObject Collections endpoints would, and writes its results. */
    private void bulkProcess(SalesforceBulk.Job job, EmulatorOptions.Faults f) {
        ObjectStore table = salesforce.computeIfAbsent(job.object, k -> new ObjectStore());
        List<String> columns = job.columns;
        List<List<String>> ok = new ArrayList<>();
        List<List<String>> failed = new ArrayList<>();
        for (List<String> row : job.rows) {
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                values.put(columns.get(i), row.get(i));
            }
            String error = null;
            String id = null;
            boolean created = false;
            ObjectNode asJson = JSON.createObjectNode();
            values.forEach(
                    (k, v) -> {
                        if (!v.isEmpty() && !v.equals("#N/A")) {
                            asJson.put(k, v);
                        }
                    });
            String invalid = invalidEmail(asJson);
            if (invalid != null && !job.operation.equals("delete")) {
                String field = null;
                for (Map.Entry<String, String> e : values.entrySet()) {
                    if (e.getKey().toLowerCase(java.util.Locale.ROOT).contains("email")
                            && !e.getValue().contains("@")
                            && !e.getValue().isEmpty()
                            && !e.getValue().equals("#N/A")) {
                        field = e.getKey();
                    }
                }
                error =
                        "INVALID_EMAIL_ADDRESS:"
                                + field
                                + ": invalid email address: "
                                + values.get(field)
                                + ":"
                                + field
                                + " --";
            } else if (rejectRecord(f)) {
                error = "FIELD_CUSTOM_VALIDATION_EXCEPTION:injected rejection:--";
            }
            if (error == null) {
                switch (job.operation) {
                    case "upsert" -> {
                        String external = values.get(job.externalIdFieldName);
                        if (external == null || external.isEmpty()) {
                            error =
                                    "MISSING_ARGUMENT:"
                                            + job.externalIdFieldName
                                            + " not specified:--";
                        } else {
                            id = table.find(job.externalIdFieldName, external);
                            if (id == null) {
                                id = newSalesforceId();
                                table.create(id);
                                created = true;
                            }
                        }
                    }
                    case "insert" -> {
                        for (Map.Entry<String, String> e : values.entrySet()) {
                            if (e.getKey().endsWith("__c")
                                    && !e.getValue().isEmpty()
                                    && table.find(e.getKey(), e.getValue()) != null) {
                                error =
                                        "DUPLICATE_VALUE:duplicate value found: "
                                                + e.getKey()
                                                + " duplicates value on record with id: "
                                                + table.find(e.getKey(), e.getValue())
                                                + ":"
                                                + e.getKey()
                                                + " --";
                                break;
                            }
                        }
                        if (error == null) {
                            id = newSalesforceId();
                            table.create(id);
                            created = true;
                        }
                    }
                    default -> {
                        // update, delete: by Id
                        String given = values.get("Id");
                        if (given == null || !table.contains(given)) {
                            error = "ENTITY_IS_DELETED:entity is deleted:--";
                        } else {
                            id = given;
                        }
                    }
                }
            }
            if (error != null) {
                List<String> out = new ArrayList<>();
                out.add(id == null ? "" : id);
                out.add(error);
                out.addAll(row);
                failed.add(out);
                continue;
            }
            if (job.operation.equals("delete")) {
                table.remove(id);
            } else {
                for (Map.Entry<String, String> e : values.entrySet()) {
                    if (e.getKey().equals("Id") || e.getValue().isEmpty()) {
                        continue; // an empty value leaves the field as it is
                    }
                    table.set(id, e.getKey(), e.getValue().equals("#N/A") ? null : e.getValue());
                }
            }
            List<String> out = new ArrayList<>();
            out.add(id);
            out.add(String.valueOf(created));
            out.addAll(row);
            ok.add(out);
        }
        // Salesforce does not promise the input order: neither does the emulator
        synchronized (random) {
            java.util.Collections.shuffle(ok, random);
            java.util.Collections.shuffle(failed, random);
        }
        List<String> okHeader = new ArrayList<>(List.of("sf__Id", "sf__Created"));
        okHeader.addAll(columns);
        List<String> failedHeader = new ArrayList<>(List.of("sf__Id", "sf__Error"));
        failedHeader.addAll(columns);
        job.successfulResults = SalesforceBulk.write(okHeader, ok);
        job.failedResults = SalesforceBulk.write(failedHeader, failed);
        job.processed = job.rows.size();
        job.failed = failed.size();
    }

    private ObjectNode jobInfo(SalesforceBulk.Job job) {
        ObjectNode info = JSON.createObjectNode();
        info.put("id", job.id);
        info.put("operation", job.operation);
        info.put("object", job.object);
        info.put("createdById", "005000000000001AAA");
        info.put("createdDate", job.createdDate);
        info.put("systemModstamp", Instant.now().toString());
        info.put("state", job.state);
        if (job.externalIdFieldName != null) {
            info.put("externalIdFieldName", job.externalIdFieldName);
        }
        info.put("concurrencyMode", "Parallel");
        info.put("contentType", "CSV");
        info.put("apiVersion", Double.parseDouble(job.apiVersion.substring(1)));
        info.put("jobType", "V2Ingest");
        info.put(
                "contentUrl",
                "services/data/" + job.apiVersion + "/jobs/ingest/" + job.id + "/batches");
        info.put("lineEnding", job.lineEnding);
        info.put("columnDelimiter", "COMMA");
        if (job.ended() && !job.state.equals("Aborted")) {
            info.put("numberRecordsProcessed", job.processed);
            info.put("numberRecordsFailed", job.failed);
        }
        if (job.errorMessage != null) {
            info.put("errorMessage", job.errorMessage);
        }
        return info;
    }

    private String newSalesforceId() {
        return String.format("003%015d", nextId.incrementAndGet());
    }

    private static ArrayNode sfError(String code, String message) {
        ArrayNode a = JSON.createArrayNode();
        ObjectNode e = a.addObject();
        e.put("message", message);
        e.put("errorCode", code);
        return a;
    }

    private static ObjectNode sfErrorItem(String code, String message, List<String> fields) {
        ObjectNode e = JSON.createObjectNode();
        e.put("statusCode", code);
        e.put("message", message);
        ArrayNode fs = e.putArray("fields");
        fields.forEach(fs::add);
        return e;
    }

    private static String queryParam(URI uri, String name) {
        String q = uri.getRawQuery();
        if (q == null) {
            return null;
        }
        for (String p : q.split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- webhook

    private synchronized Result webhook(String path, JsonNode json, byte[] body, HttpExchange ex) {
        String name = path.substring("/webhook/".length());
        String op = json.path("operation").asText("upsert");
        if (options.webhookSecret() != null) {
            String header = ex.getRequestHeaders().getFirst("X-Tideline-Signature");
            String expected = "sha256=" + hmac(options.webhookSecret(), body);
            if (header == null || !constantTimeEquals(header, expected)) {
                return new Result(
                        op,
                        new Answer(
                                401,
                                error("INVALID_SIGNATURE", "missing or wrong X-Tideline-Signature"),
                                Map.of()),
                        false,
                        List.of());
            }
        }
        JsonNode records = json.path("records");
        if (!records.isArray() || records.size() > options.webhookMaxBatch()) {
            return new Result(
                    op,
                    new Answer(
                            413,
                            error(
                                    "BATCH_TOO_LARGE",
                                    "at most "
                                            + options.webhookMaxBatch()
                                            + " records per request"),
                            Map.of()),
                    false,
                    List.of());
        }
        ObjectStore store = webhook.computeIfAbsent(name, k -> new ObjectStore());
        List<String> keys = new ArrayList<>();
        for (JsonNode rec : records) {
            String key = rec.path("key").asText();
            keys.add(key);
            if (op.equals("delete")) {
                store.remove(key);
            } else {
                if (!store.contains(key)) {
                    store.create(key);
                }
                rec.path("fields")
                        .fields()
                        .forEachRemaining(e -> store.set(key, e.getKey(), plain(e.getValue())));
            }
        }
        ObjectNode ok = JSON.createObjectNode();
        ok.put("accepted", records.size());
        return new Result(op, new Answer(200, ok, Map.of()), true, keys);
    }

    /** HMAC-SHA256 of a body, in lower-case hex: what a webhook receiver checks. */
    public static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- inspection

    private synchronized Object inspect(String path) {
        if (path.equals("/_emulator/calls")) {
            return calls;
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("hubspot", views(hubspot));
        state.put("salesforce", views(salesforce));
        state.put("webhook", views(webhook));
        state.put("salesforce_bulk_jobs", bulk.views());
        state.put("calls", calls.size());
        return JSON.valueToTree(state);
    }

    // ---------------------------------------------------------------- plumbing

    private static String operationOf(String method, String path) {
        if (SalesforceBulk.handles(path)) {
            return SalesforceBulk.operationOf(method, path);
        }
        if (path.contains("/batch/")) {
            return path.substring(path.lastIndexOf('/') + 1);
        }
        return method.toLowerCase();
    }

    private static Object plain(JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isNumber()) {
            return v.numberValue();
        }
        return v.toString();
    }

    private static ObjectNode error(String category, String message) {
        ObjectNode e = JSON.createObjectNode();
        e.put("status", "error");
        e.put("category", category);
        e.put("message", message);
        return e;
    }

    private static void send(HttpExchange ex, Answer a) {
        try {
            a.headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            if (a.body == null) {
                ex.sendResponseHeaders(a.status, -1);
            } else if (a.body instanceof Text t) {
                byte[] bytes = t.text().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", t.contentType());
                ex.sendResponseHeaders(a.status, bytes.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            } else {
                byte[] bytes = JSON.writeValueAsBytes(a.body);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(a.status, bytes.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            }
        } catch (IOException e) {
            // the client gave up (a timed-out call): nothing to answer
        } finally {
            ex.close();
        }
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(
                a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static void sleep(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, Map<String, Object>> copy(ObjectStore store) {
        return store == null ? new LinkedHashMap<>() : store.snapshot();
    }

    private static Map<String, Object> views(Map<String, ObjectStore> stores) {
        Map<String, Object> out = new LinkedHashMap<>();
        stores.forEach((k, v) -> out.put(k, v.view()));
        return out;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
