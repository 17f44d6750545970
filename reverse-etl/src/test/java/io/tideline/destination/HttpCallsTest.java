/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One exchange under the destination's time limiter, against a local server. */
class HttpCallsTest {

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anUnansweredCallTimesOutAsRetryableAndAnAnsweredOneReturns() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        ExecutorService handlers = Executors.newCachedThreadPool();
        server.setExecutor(handlers);
        server.createContext(
                "/slow",
                ex -> {
                    try {
                        hold.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    ex.close();
                });
        server.createContext(
                "/ok",
                ex -> {
                    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(200, body.length);
                    ex.getResponseBody().write(body);
                    ex.close();
                });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            HttpClient client = HttpCalls.client(Duration.ofSeconds(5));
            var limiter = HttpCalls.timeLimiter("test", Duration.ofMillis(200));

            Throwable e =
                    catchThrowable(
                            () ->
                                    HttpCalls.exchange(
                                            client,
                                            limiter,
                                            HttpRequest.newBuilder(URI.create(base + "/slow"))
                                                    .build()));
            assertThat(e)
                    .isInstanceOfSatisfying(
                            CallException.Retryable.class,
                            r -> {
                                assertThat(r.status()).isZero();
                                assertThat(r.throttled()).isFalse();
                            })
                    .hasMessage("no answer within PT0.2S");

            var answer =
                    HttpCalls.exchange(
                            client,
                            limiter,
                            HttpRequest.newBuilder(URI.create(base + "/ok")).build());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("{}");
        } finally {
            hold.countDown();
            server.stop(0);
            handlers.shutdownNow();
        }
    }
}
