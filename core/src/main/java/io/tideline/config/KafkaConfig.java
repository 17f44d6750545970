/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The Kafka cluster. With {@code embedded: true} (the default when no bootstrap servers are given)
 * the local platform starts a KRaft broker itself.
 *
 * @param properties client properties passed as they are (for example {@code security.protocol})
 * @param secretProperties client properties that hold credentials, as secret references (for
 *     example {@code sasl.jaas.config})
 */
public record KafkaConfig(
        Boolean embedded,
        List<String> bootstrapServers,
        Map<String, String> properties,
        Map<String, Secret> secretProperties) {

    public KafkaConfig {
        bootstrapServers = bootstrapServers == null ? List.of() : List.copyOf(bootstrapServers);
        embedded = embedded == null ? bootstrapServers.isEmpty() : embedded;
        properties = properties == null ? Map.of() : Map.copyOf(properties);
        secretProperties = secretProperties == null ? Map.of() : Map.copyOf(secretProperties);
    }

    /** The same cluster, now known to be at {@code servers} (for a started embedded broker). */
    public KafkaConfig at(String servers) {
        return new KafkaConfig(embedded, List.of(servers), properties, secretProperties);
    }

    public String bootstrapServersString() {
        return String.join(",", bootstrapServers);
    }

    /** Client properties for producers, consumers and admin clients, secrets included. */
    public Properties clientProperties() {
        Properties props = new Properties();
        props.putAll(properties);
        secretProperties.forEach((k, v) -> props.put(k, v.reveal()));
        props.put("bootstrap.servers", bootstrapServersString());
        return props;
    }

    void validate(Problems problems) {
        if (!embedded && bootstrapServers.isEmpty()) {
            problems.add(
                    "bootstrap-servers",
                    "required when embedded is false: expected a list of host:port");
        }
        for (int i = 0; i < bootstrapServers.size(); i++) {
            try {
                HostPort.parse(bootstrapServers.get(i));
            } catch (IllegalArgumentException e) {
                problems.at("bootstrap-servers").index(i).here(e.getMessage());
            }
        }
        if (properties.containsKey("bootstrap.servers")) {
            problems.at("properties")
                    .add("bootstrap.servers", "set it as kafka.bootstrap-servers instead");
        }
    }
}
