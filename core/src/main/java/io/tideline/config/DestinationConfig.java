/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * One entry of the {@code destinations} section: a SaaS account that syncs deliver to.
 *
 * @param type the API spoken: {@code hubspot}, {@code salesforce} (sObject Collections, up to 200
 *     records per call), {@code salesforce-bulk} (Bulk API 2.0 ingest jobs, up to 10,000 records
 *     per job: for runs of more than about 2,000 records) or {@code webhook}
 * @param url the API's base URL ({@code https://api.hubapi.com}, the Salesforce instance URL) or,
 *     for a webhook, the full URL to POST to; {@code https://} unless the host is loopback or
 *     {@code allowInsecureHttp} is set; may be a secret reference (a Slack or Zapier hook URL)
 * @param token the bearer token (HubSpot private-app token, Salesforce access token, optional for a
 *     webhook), as a secret reference
 * @param account the name of the API account whose rate limit this destination shares; two
 *     destinations with one account share one client-side rate limiter. Defaults to the
 *     destination's name.
 * @param object HubSpot object type ({@code contacts}) or Salesforce sObject ({@code Contact})
 * @param idProperty the destination field that identifies a record: HubSpot {@code idProperty}
 *     ({@code email}), Salesforce external-id field ({@code Email__c}); for a webhook the key under
 *     which each record's primary key is sent (default {@code key})
 * @param apiVersion the Salesforce REST API version, {@code v60.0} by default (both Salesforce
 *     types)
 * @param headers extra HTTP headers (webhook); a value may be a secret reference
 * @param signingSecret the HMAC-SHA256 key webhook calls are signed with (optional): the signature
 *     header is {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">} (Stripe's scheme)
 * @param signatureHeader the header carrying the signature, {@code X-Tideline-Signature} by default
 * @param rateLimit the client-side request rate this account may use
 * @param batchSize records per call, at most the API's own limit (HubSpot 100, Salesforce 200); for
 *     {@code salesforce-bulk} the records of one Bulk API job, at most 10,000
 * @param timeout the timeout of every call, {@code 30s} by default
 * @param concurrency calls in flight at once to this destination (its bulkhead), 4 by default
 * @param retry retries of throttled and failed calls
 * @param circuitBreaker when the destination's circuit opens, for how long, and how long a run
 *     waits for it to close again
 * @param allowInsecureHttp accept an {@code http://} URL on a host other than loopback (a token
 *     would travel in clear text); false by default
 */
public record DestinationConfig(
        Boolean enabled,
        DestinationType type,
        SecretText url,
        Secret token,
        String account,
        String object,
        String idProperty,
        String apiVersion,
        Map<String, SecretText> headers,
        Secret signingSecret,
        String signatureHeader,
        RateLimitConfig rateLimit,
        Integer batchSize,
        Duration timeout,
        Integer concurrency,
        RetryPolicyConfig retry,
        CircuitBreakerPolicy circuitBreaker,
        Boolean allowInsecureHttp) {

    /**
     * The destination's circuit breaker (Resilience4j, count-based): it opens when {@code
     * failureRate} of the last {@code window} calls failed (5xx, timeouts; 429s are not failures),
     * once {@code minimumCalls} were made, stays open {@code openFor}, then lets a few trial calls
     * through. While it is open a run waits, in all at most {@code maxOpenWait}, instead of ending
     * with rows pending. The defaults (75% of 50 calls, open 10 s, wait up to 5 min) let a run
     * through 30% of 5xx plus slow answers finish, and still stop one whose API is down.
     */
    public record CircuitBreakerPolicy(
            Double failureRate,
            Integer window,
            Integer minimumCalls,
            Duration openFor,
            Duration maxOpenWait) {

        public CircuitBreakerPolicy {
            failureRate = failureRate == null ? 0.75 : failureRate;
            window = window == null ? 50 : window;
            minimumCalls = minimumCalls == null ? Math.min(20, window) : minimumCalls;
            openFor = openFor == null ? Duration.ofSeconds(10) : openFor;
            maxOpenWait = maxOpenWait == null ? Duration.ofMinutes(5) : maxOpenWait;
        }

        void validate(Problems problems) {
            problems.require(
                    failureRate > 0 && failureRate <= 1,
                    "failure-rate",
                    "expected a share above 0 and at most 1, got " + failureRate);
            problems.require(window >= 1, "window", "expected a whole number of calls ≥ 1");
            problems.require(
                    minimumCalls >= 1 && minimumCalls <= window,
                    "minimum-calls",
                    "expected 1..window (" + window + "), got " + minimumCalls);
            problems.require(openFor.toMillis() >= 1, "open-for", "expected a positive duration");
            problems.require(!maxOpenWait.isNegative(), "max-open-wait", "expected a duration ≥ 0");
        }
    }

    /** The APIs a destination can speak. */
    public enum DestinationType {
        HUBSPOT(100),
        SALESFORCE(200),
        /** Salesforce Bulk API 2.0 ingest: the batch is the records of one job. */
        SALESFORCE_BULK(10_000),
        WEBHOOK(10_000);

        private final int maxBatchSize;

        DestinationType(int maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
        }

        /** Whether this is one of Salesforce's APIs (same instance URL, token and fields). */
        public boolean isSalesforce() {
            return this == SALESFORCE || this == SALESFORCE_BULK;
        }

        /** The most records the API accepts in one call (for Bulk API 2.0: in one job). */
        public int maxBatchSize() {
            return maxBatchSize;
        }

        @JsonValue
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        @JsonCreator
        public static DestinationType of(String text) {
            for (DestinationType t : values()) {
                if (t.toString().equalsIgnoreCase(text == null ? "" : text.trim())) {
                    return t;
                }
            }
            throw new IllegalArgumentException(
                    "expected one of [hubspot, salesforce, salesforce-bulk, webhook], got '"
                            + text
                            + "'");
        }
    }

    public DestinationConfig {
        enabled = enabled == null ? Boolean.TRUE : enabled;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        signatureHeader = signatureHeader == null ? "X-Tideline-Signature" : signatureHeader;
        apiVersion = apiVersion == null ? "v60.0" : apiVersion;
        if (type != null) {
            batchSize = batchSize == null ? type.maxBatchSize() : batchSize;
            if (idProperty == null) {
                idProperty =
                        switch (type) {
                            case HUBSPOT -> "email";
                            case SALESFORCE, SALESFORCE_BULK -> null;
                            case WEBHOOK -> "key";
                        };
            }
            if (object == null && type == DestinationType.HUBSPOT) {
                object = "contacts";
            }
        }
        timeout = timeout == null ? Duration.ofSeconds(30) : timeout;
        concurrency = concurrency == null ? 4 : concurrency;
        rateLimit = rateLimit == null ? RateLimitConfig.defaultsFor(type) : rateLimit;
        retry = retry == null ? new RetryPolicyConfig(null, null, null, null) : retry;
        circuitBreaker =
                circuitBreaker == null
                        ? new CircuitBreakerPolicy(null, null, null, null, null)
                        : circuitBreaker;
        allowInsecureHttp = allowInsecureHttp == null ? Boolean.FALSE : allowInsecureHttp;
    }

    /** The URL to call (revealed: never log it, print {@link #url()} instead). */
    public String endpoint() {
        return url == null ? null : url.reveal().trim();
    }

    /** Whether a host name is this machine (127.0.0.0/8, ::1, localhost). */
    public static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.equals("localhost")
                || h.endsWith(".localhost")
                || h.startsWith("127.")
                || h.equals("::1")
                || h.equals("0:0:0:0:0:0:0:1");
    }

    /** The rate-limit account, {@code defaultName} (the destination's name) unless one is set. */
    public String accountOr(String defaultName) {
        return account == null || account.isBlank() ? defaultName : account;
    }

    /** The same destination at another base URL (the local platform's SaaS emulator). */
    public DestinationConfig withUrl(String newUrl) {
        return new DestinationConfig(
                enabled,
                type,
                SecretText.plain(newUrl),
                token,
                account,
                object,
                idProperty,
                apiVersion,
                headers,
                signingSecret,
                signatureHeader,
                rateLimit,
                batchSize,
                timeout,
                concurrency,
                retry,
                circuitBreaker,
                allowInsecureHttp);
    }

    void validate(Problems problems) {
        if (type == null) {
            problems.add(
                    "type",
                    "required: expected one of [hubspot, salesforce, salesforce-bulk, webhook]");
            return;
        }
        if (url == null || url.reveal().isBlank()) {
            problems.add("url", "required: expected an https:// URL");
        } else {
            // a URL given as a secret is never quoted back
            String shown = url.isSecret() ? url.written() : "'" + url + "'";
            try {
                URI u = URI.create(url.reveal().trim());
                boolean http = "http".equals(u.getScheme());
                if (!(http || "https".equals(u.getScheme())) || u.getHost() == null) {
                    problems.add("url", "expected an https:// URL, got " + shown);
                } else if (http && !isLoopback(u.getHost()) && !allowInsecureHttp) {
                    problems.add(
                            "url",
                            "expected https:// for a destination that is not on this machine, got "
                                    + shown
                                    + ": over http:// the token and the records travel in clear"
                                    + " text. Use https://, or set allow-insecure-http: true on"
                                    + " this destination to accept it");
                }
            } catch (IllegalArgumentException e) {
                problems.add("url", "expected an https:// URL, got " + shown);
            }
        }
        if (type != DestinationType.WEBHOOK) {
            problems.require(
                    token != null,
                    "token",
                    "required for a " + type + " destination: a secret reference ${env:NAME}");
            problems.require(
                    object != null && !object.isBlank(),
                    "object",
                    type.isSalesforce()
                            ? "required: expected an sObject name such as Contact"
                            : "expected an object type such as contacts");
            problems.require(
                    idProperty != null && !idProperty.isBlank(),
                    "id-property",
                    type.isSalesforce()
                            ? "required: expected the external-id field, such as Email__c"
                            : "expected the property that identifies a record, such as email");
        }
        if (batchSize != null && (batchSize < 1 || batchSize > type.maxBatchSize())) {
            problems.add(
                    "batch-size",
                    "expected 1.."
                            + type.maxBatchSize()
                            + (type == DestinationType.SALESFORCE_BULK
                                    ? " (the salesforce-bulk API's limit of records per job), got "
                                    : " (the " + type + " API's limit per call), got ")
                            + batchSize);
        }
        problems.require(
                !timeout.isNegative() && !timeout.isZero(),
                "timeout",
                "expected a positive duration");
        int maxConcurrency = type.isSalesforce() ? 25 : 64;
        problems.require(
                concurrency >= 1 && concurrency <= maxConcurrency,
                "concurrency",
                "expected 1.."
                        + maxConcurrency
                        + (type.isSalesforce()
                                ? " (Salesforce allows 25 concurrent long-running requests)"
                                : ""));
        rateLimit.validate(problems.at("rate-limit"));
        retry.validate(problems.at("retry"));
        circuitBreaker.validate(problems.at("circuit-breaker"));
    }

    DestinationConfig resolvePaths(Path baseDir) {
        return this;
    }
}
