/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.local;

import io.tideline.config.FlinkConfig;
import io.tideline.flink.FlinkSettings;
import java.net.URI;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flink MiniCluster in this JVM, with its REST endpoint (and the web UI, when flink-runtime-web
 * is on the class path) on a loopback port. Jobs reach it exactly as they would reach a session
 * cluster: through {@link #clientConfiguration()}, which targets it over REST.
 */
public final class LocalFlink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalFlink.class);

    private final MiniCluster cluster;
    private final URI restAddress;
    private final Configuration jobConfiguration;

    private LocalFlink(MiniCluster cluster, URI restAddress, Configuration jobConfiguration) {
        this.cluster = cluster;
        this.restAddress = restAddress;
        this.jobConfiguration = jobConfiguration;
    }

    /**
     * Starts a MiniCluster with one TaskManager.
     *
     * @param slots task slots; enough for every job that runs at once times its parallelism
     */
    public static LocalFlink start(FlinkConfig flink, int slots) {
        Configuration jobConf = FlinkSettings.jobConfiguration(flink);
        Configuration conf = new Configuration(jobConf);
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_PORT, String.valueOf(flink.restPort()));
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        if (!flink.webUi()) {
            conf.setString("web.submit.enable", "false");
        }
        MiniClusterConfiguration mcc =
                new MiniClusterConfiguration.Builder()
                        .setConfiguration(conf)
                        .setNumTaskManagers(1)
                        .setNumSlotsPerTaskManager(slots)
                        .build();
        MiniCluster cluster = new MiniCluster(mcc);
        try {
            cluster.start();
            URI rest = cluster.getRestAddress().get();
            LOG.info("Flink MiniCluster ready, REST and web UI at {}", rest);
            return new LocalFlink(cluster, rest, jobConf);
        } catch (Exception e) {
            try {
                cluster.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new IllegalStateException("cannot start the Flink MiniCluster", e);
        }
    }

    /** The REST endpoint, which also serves the web UI. */
    public URI restAddress() {
        return restAddress;
    }

    /**
     * The configuration a job uses to run here: the job options plus a remote execution target at
     * this cluster's REST endpoint.
     */
    public Configuration clientConfiguration() {
        return clientConfiguration(jobConfiguration);
    }

    /** As {@link #clientConfiguration()}, for jobs with their own {@code flink} settings. */
    public Configuration clientConfiguration(FlinkConfig flink) {
        return clientConfiguration(FlinkSettings.jobConfiguration(flink));
    }

    private Configuration clientConfiguration(Configuration jobConf) {
        Configuration c = new Configuration(jobConf);
        c.setString("execution.target", "remote");
        // execute() waits for the job's result, as it does inside `flink run`.
        c.setString("execution.attached", "true");
        c.set(RestOptions.ADDRESS, restAddress.getHost());
        c.set(RestOptions.PORT, restAddress.getPort());
        return c;
    }

    public MiniCluster miniCluster() {
        return cluster;
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            LOG.warn("The Flink MiniCluster did not stop cleanly", e);
        }
    }
}
