/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import static io.tideline.emulator.Wire.JSON;
import static io.tideline.emulator.Wire.constantTimeEquals;
import static io.tideline.emulator.Wire.error;
import static io.tideline.emulator.Wire.sfError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tideline.emulator.Wire.Answer;
import io.tideline.emulator.Wire.Result;
import io.tideline.emulator.Wire.Text;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local stand-in for the SaaS APIs that syncs deliver to, so that users (and tests) can try a
 * sync safely. It speaks their wire formats and enforces their limits; each API lives in its own
 * class, which says what it speaks:
 *
 * <ul>
 *   <li>{@link HubSpotApi}: HubSpot CRM v3 batch endpoints ({@code POST
 *       /crm/v3/objects/{type}/batch/upsert|create|update|archive});
 *   <li>{@link SalesforceCollectionsApi}: Salesforce sObject Collections ({@code PATCH
 *       .../composite/sobjects/{SObject}/{ExternalId}} upsert, {@code POST|PATCH|DELETE
 *       .../composite/sobjects});
 *   <li>{@link SalesforceBulkApi} (its jobs and CSV in {@link SalesforceBulk}): Salesforce Bulk API
 *       2.0 ingest ({@code .../jobs/ingest});
 *   <li>{@link WebhookApi}: a JSON webhook ({@code POST /webhook/{name}}) with an optional
 *       HMAC-SHA256 signature check.
 * </ul>
 *
 * This class holds the server, the routing and what the APIs share (through {@link
 * EmulatorContext}). Every call needs {@code Authorization: Bearer <token>} (else 401). Each API
 * has its rolling-window rate limit: 429 with the {@code X-HubSpot-RateLimit-*} headers and a
 * {@code policyName} for HubSpot, with {@code Retry-After} for the others; {@code
 * Sforce-Limit-Info} on every Salesforce answer, and 403 {@code REQUEST_LIMIT_EXCEEDED} there past
 * the daily limit. Faults (429, 5xx, timeouts, per-record rejections) are injected at configured
 * shares from a seeded generator. What it received is exposed by the Java API ({@link
 * #hubspotObjects}, {@link #calls}, ...) and over HTTP ({@code GET /_emulator/state}, {@code GET
 * /_emulator/calls}).
 */
public final class SaasEmulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SaasEmulator.class);

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

    /** What the APIs below share of this emulator. */
    private final EmulatorContext context = new Shared();

    private final HubSpotApi hubSpotApi = new HubSpotApi(context);
    private final SalesforceCollectionsApi salesforceCollectionsApi =
            new SalesforceCollectionsApi(context);
    private final SalesforceBulkApi salesforceBulkApi = new SalesforceBulkApi(context);
    private final WebhookApi webhookApi = new WebhookApi(context);

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
                    window = parseDuration(p[1]);
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

    /**
     * The most calls of one API that arrived within any window of {@code window}, among the calls
     * that arrived at or after {@code fromMillis} (milliseconds since the emulator started).
     */
    public synchronized int maxCallsInAnyWindow(String api, Duration window, double fromMillis) {
        List<Double> at =
                calls.stream()
                        .filter(c -> c.api().equals(api) && c.atMillis() >= fromMillis)
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

    /**
     * How many times each record was written: per identifier (HubSpot id value or object id,
     * Salesforce external id or Id, webhook key), the applied calls of {@code api} that carried it.
     * A record delivered exactly once has 1.
     */
    public synchronized Map<String, Integer> writeCounts(String api) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (ReceivedCall c : calls) {
            if (c.api().equals(api) && c.applied()) {
                c.keys().forEach(k -> out.merge(k, 1, Integer::sum));
            }
        }
        return out;
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
        webhookApi.clear();
        windows.clear();
    }

    // ---------------------------------------------------------------- HTTP

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
                r = dispatch(api, method, path, body, ex, f);
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
            Map<String, String> headers = new LinkedHashMap<>(r.answer().headers());
            headers.putAll(limitHeaders);
            answer = new Answer(r.answer().status(), r.answer().body(), headers);
            record(
                    new ReceivedCall(
                            api, r.operation(), at, answer.status(), fault, r.applied(), r.keys()));
            double slowFrom = f.throttled() + f.serverError() + f.timeout();
            if (timeout) {
                sleep(f.timeoutDelay());
            } else if (draw >= slowFrom && draw < slowFrom + f.slow()) {
                // a slow answer: applied, and answered late but within the client's timeout
                sleep(f.slowDelay());
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
                        answer.status(),
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

    // ---------------------------------------------------------------- the APIs

    /**
     * Hands a call that got past the token check, rate limits and call faults to the API it is for,
     * under this emulator's lock (the stores are not thread-safe); a JSON body is parsed before.
     */
    private Result dispatch(
            String api,
            String method,
            String path,
            byte[] body,
            HttpExchange ex,
            EmulatorOptions.Faults f)
            throws IOException {
        if (api.equals("salesforce") && SalesforceBulk.handles(path)) {
            // Bulk API 2.0 ingest: CSV uploads and results, not JSON
            String contentType = ex.getRequestHeaders().getFirst("Content-Type");
            synchronized (this) {
                return salesforceBulkApi.handle(method, path, body, contentType, f);
            }
        }
        JsonNode json = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        synchronized (this) {
            return switch (api) {
                case "hubspot" -> hubSpotApi.handle(method, path, json, f);
                case "salesforce" ->
                        salesforceCollectionsApi.handle(method, ex.getRequestURI(), json, f);
                default ->
                        webhookApi.handle(
                                path,
                                json,
                                body,
                                ex.getRequestHeaders().getFirst("X-Tideline-Signature"),
                                ex.getRequestHeaders().getFirst("X-Tideline-Delivery-Id"));
            };
        }
    }

    /** The emulator's stores, ids and seeded rejections, as its APIs see them. */
    private final class Shared implements EmulatorContext {

        @Override
        public EmulatorOptions options() {
            return options;
        }

        @Override
        public ObjectStore hubspotObjects(String type) {
            return hubspot.computeIfAbsent(type, k -> new ObjectStore());
        }

        @Override
        public ObjectStore salesforceRecords(String sobject) {
            return salesforce.computeIfAbsent(sobject, k -> new ObjectStore());
        }

        @Override
        public Collection<ObjectStore> salesforceTables() {
            return salesforce.values();
        }

        @Override
        public ObjectStore webhookRecords(String name) {
            return webhook.computeIfAbsent(name, k -> new ObjectStore());
        }

        @Override
        public SalesforceBulk bulkJobs() {
            return bulk;
        }

        @Override
        public String newHubSpotId() {
            return String.valueOf(nextId.incrementAndGet());
        }

        @Override
        public String newSalesforceId() {
            return String.format("003%015d", nextId.incrementAndGet());
        }

        @Override
        public boolean rejectRecord(EmulatorOptions.Faults f) {
            if (f.recordRejection() <= 0) {
                return false;
            }
            synchronized (random) {
                return random.nextDouble() < f.recordRejection();
            }
        }

        @Override
        public void shuffle(List<?> first, List<?> second) {
            synchronized (random) {
                Collections.shuffle(first, random);
                Collections.shuffle(second, random);
            }
        }
    }

    /** HMAC-SHA256 of a body, in lower-case hex: what a webhook receiver checks. */
    public static String hmac(String secret, byte[] body) {
        return WebhookApi.hmac(secret, body);
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

    private static void send(HttpExchange ex, Answer a) {
        try {
            a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            if (a.body() == null) {
                ex.sendResponseHeaders(a.status(), -1);
            } else if (a.body() instanceof Text t) {
                byte[] bytes = t.text().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", t.contentType());
                ex.sendResponseHeaders(a.status(), bytes.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            } else {
                byte[] bytes = JSON.writeValueAsBytes(a.body());
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(a.status(), bytes.length);
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

    /** {@code 500ms}, {@code 10s}, {@code 1m}, {@code 1h}: the durations of {@code --rate}. */
    static Duration parseDuration(String text) {
        String t = text.trim();
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("expected 500ms, 10s, 1m or 1h: " + text);
        };
    }
}
