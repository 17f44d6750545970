/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

/** A {@code host:port} pair, parsed with a message that says what was wrong. */
public record HostPort(String host, int port) {

    /**
     * @throws IllegalArgumentException naming the part that is wrong
     */
    public static HostPort parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("expected host:port, got an empty value");
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got '" + text + "'");
        }
        String portText = text.substring(colon + 1);
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "expected a numeric port in '" + text + "', got '" + portText + "'");
        }
        checkPort(port);
        return new HostPort(text.substring(0, colon), port);
    }

    static void checkPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("expected a port between 1 and 65535, got " + port);
        }
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
