package ai.sight.neo4jharness;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilder;
import org.neo4j.harness.Neo4jBuilders;

/**
 * Starts a Neo4j Community server in-process (neo4j-harness) for tests.
 *
 * <p>Prints exactly one line {@code NEO4J_READY bolt://HOST:PORT} to stdout once Bolt accepts
 * connections (or {@code NEO4J_FAILED <reason>} and exits 1). Stops cleanly when stdin reaches EOF
 * (unless {@code --ignore-stdin}) or on SIGTERM/SIGINT.
 *
 * <p>Options: {@code --dir PATH} (parent of the server's working directory; default a temp dir),
 * {@code --host H} (default 127.0.0.1), {@code --port N} (default 0 = free port), {@code --plugins
 * PATH} (default: the {@code plugins} folder next to this jar; "" to load none), {@code
 * --pagecache SIZE} (default 64m), {@code --checkpoint-interval DURATION} (e.g. 10s; default
 * Neo4j's 15m: benchmarks shorten it, since Lucene vector searches before the first checkpoint
 * after a load read heap buffers and cost 2-3x), {@code --ignore-stdin}.
 */
public final class Main {
  private static final PrintStream OUT = System.out;
  private static final AtomicBoolean CLOSED = new AtomicBoolean(false);
  private static volatile Neo4j server;

  private Main() {}

  public static void main(String[] args) {
    Path dir = null;
    String host = "127.0.0.1";
    int port = 0;
    String plugins = null;
    String pagecache = "64m";
    Duration checkpointInterval = null;
    boolean watchStdin = true;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--dir" -> dir = Path.of(args[++i]);
          case "--host" -> host = args[++i];
          case "--port" -> port = Integer.parseInt(args[++i]);
          case "--plugins" -> plugins = args[++i];
          case "--pagecache" -> pagecache = args[++i];
          case "--checkpoint-interval" -> checkpointInterval = parseDuration(args[++i]);
          case "--ignore-stdin" -> watchStdin = false;
          default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
        }
      }
      if (dir == null) {
        dir = Files.createTempDirectory("neo4j-harness");
      }
      Files.createDirectories(dir);
      Path pluginDir = null;
      if (plugins == null) {
        pluginDir = defaultPluginDir();
        if (!Files.isDirectory(pluginDir)) {
          System.err.println("neo4j-harness: no " + pluginDir + ", starting without APOC/GDS");
          pluginDir = null;
        }
      } else if (!plugins.isEmpty()) {
        pluginDir = Path.of(plugins);
        if (!Files.isDirectory(pluginDir)) {
          throw new IllegalArgumentException("--plugins: not a directory: " + pluginDir);
        }
      }

      Runtime.getRuntime().addShutdownHook(new Thread(Main::close, "neo4j-harness-shutdown"));

      long t0 = System.nanoTime();
      Neo4jBuilder builder =
          Neo4jBuilders.newInProcessBuilder(dir)
              .withDisabledServer() // no HTTP: Bolt only, faster start
              .withConfig(GraphDatabaseSettings.auth_enabled, false)
              .withConfig(BoltConnector.enabled, true)
              .withConfig(BoltConnector.listen_address, new SocketAddress(host, port))
              .withConfig(GraphDatabaseSettings.pagecache_memory, parseBytes(pagecache))
              .withConfig(GraphDatabaseSettings.udc_enabled, false)
              // A test server: stop in ~1 s, not the 10+ s that netty's graceful
              // shutdown (quiet period + timeout) and open transactions may take.
              .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
              .withConfig(
                  GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(2))
              .withConfig(
                  BoltConnectorInternalSettings.thread_pool_shutdown_wait_time,
                  Duration.ofSeconds(2))
              .withConfig(
                  GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(2));
      if (checkpointInterval != null) {
        builder =
            builder.withConfig(GraphDatabaseSettings.check_point_interval_time, checkpointInterval);
      }
      if (pluginDir != null) {
        builder =
            builder
                .withConfig(GraphDatabaseSettings.plugin_dir, pluginDir.toAbsolutePath())
                .withConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("apoc.*", "gds.*"));
      }
      server = builder.build();
      URI bolt = server.boltURI();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.err.println("neo4j-harness: started in " + ms + " ms, plugins=" + pluginDir);
      OUT.println("NEO4J_READY bolt://" + host + ":" + bolt.getPort());
      OUT.flush();
    } catch (Throwable t) {
      t.printStackTrace(System.err);
      OUT.println("NEO4J_FAILED " + String.valueOf(t).replace('\n', ' '));
      OUT.flush();
      close();
      Runtime.getRuntime().halt(1);
      return;
    }

    CountDownLatch forever = new CountDownLatch(1);
    if (watchStdin) {
      Thread watcher =
          new Thread(
              () -> {
                drain(System.in);
                System.err.println("neo4j-harness: stdin closed, stopping");
                System.exit(0); // runs the shutdown hook
              },
              "neo4j-harness-stdin");
      watcher.setDaemon(true);
      watcher.start();
    }
    try {
      forever.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void drain(InputStream in) {
    byte[] buf = new byte[256];
    try {
      while (in.read(buf) >= 0) {
        // discard
      }
    } catch (IOException e) {
      // treat as EOF
    }
  }

  private static void close() {
    Neo4j s = server;
    if (s != null && CLOSED.compareAndSet(false, true)) {
      try {
        s.close();
        System.err.println("neo4j-harness: stopped");
      } catch (Throwable t) {
        t.printStackTrace(System.err);
      }
    }
  }

  private static Path defaultPluginDir() throws URISyntaxException {
    Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    // target/neo4j-harness.jar or target/classes: either way target/plugins
    return jar.getParent().resolve("plugins");
  }

  /** Seconds ("10s", "10") or minutes ("2m"). */
  private static Duration parseDuration(String s) {
    String v = s.trim().toLowerCase();
    if (v.endsWith("m")) {
      return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
    }
    if (v.endsWith("s")) {
      v = v.substring(0, v.length() - 1);
    }
    return Duration.ofSeconds(Long.parseLong(v));
  }

  private static long parseBytes(String s) {
    String v = s.trim().toLowerCase();
    long mul = 1;
    if (v.endsWith("k")) {
      mul = 1L << 10;
    } else if (v.endsWith("m")) {
      mul = 1L << 20;
    } else if (v.endsWith("g")) {
      mul = 1L << 30;
    }
    if (mul != 1) {
      v = v.substring(0, v.length() - 1);
    }
    return Long.parseLong(v) * mul;
  }
}
