package dev.keel.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loopback TCP proxy in front of PostgreSQL that injects network faults: it can refuse new
 * connections ({@link #down()}), cut every live one ({@link #cutAll()}), cut a connection once a
 * number of bytes went client→server ({@link #cutAfterClientBytes}, mid-COPY), or when a client
 * packet carries a byte pattern ({@link #cutOnClientBytes}, e.g. a publish statement or COMMIT in a
 * Parse/Query message). Cuts are one-shot: armed, fired once, disarmed.
 *
 * <p>A cut after the matching packet forwards it first and drops every reply: the server acts on it
 * (commits) and the client never hears — the in-doubt commit of DESIGN §4.
 */
public final class TcpProxy implements AutoCloseable {
  /** Whether the matching packet reaches the server before the connection is cut. */
  public enum When {
    BEFORE_FORWARDING,
    AFTER_FORWARDING
  }

  private final InetSocketAddress target;
  private final int port;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final AtomicLong bytesToCut = new AtomicLong(-1);
  private volatile boolean downAfterByteCut;
  private final AtomicReference<Pattern> pattern = new AtomicReference<>();
  private final AtomicInteger cuts = new AtomicInteger();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile ServerSocket server;
  private volatile Thread acceptor;
  private volatile boolean closed;

  /**
   * Fires on a packet holding the last of {@code steps}, once the earlier ones went by on the same
   * connection.
   */
  private record Pattern(List<byte[]> steps, When when) {}

  public TcpProxy(String targetHost, int targetPort) throws IOException {
    this.target = new InetSocketAddress(targetHost, targetPort);
    this.server = bind(0);
    this.port = server.getLocalPort();
    startAccepting(server);
  }

  /** A proxy for the PostgreSQL a JDBC URL names ({@code jdbc:postgresql://host:port/...}). */
  public static TcpProxy forJdbcUrl(String url) throws IOException {
    java.net.URI uri = java.net.URI.create(url.substring("jdbc:".length()));
    return new TcpProxy(uri.getHost(), uri.getPort());
  }

  /** {@code url} with its host and port replaced by this proxy's. */
  public String jdbcUrl(String url) {
    java.net.URI uri = java.net.URI.create(url.substring("jdbc:".length()));
    return url.replace(uri.getHost() + ":" + uri.getPort(), "127.0.0.1:" + port);
  }

  public int port() {
    return port;
  }

  /** Armed cuts that fired so far. */
  public int cuts() {
    return cuts.get();
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return s;
  }

  private void startAccepting(ServerSocket s) {
    Thread t =
        new Thread(
            () -> {
              while (!s.isClosed()) {
                try {
                  Socket client = s.accept();
                  if (server != s) {
                    client.close(); // accepted in the instant down() was closing the port
                    continue;
                  }
                  accepted.incrementAndGet();
                  open(client);
                } catch (IOException e) {
                  return; // closed by down() or close()
                }
              }
            },
            "tcp-proxy-accept-" + port);
    t.setDaemon(true);
    acceptor = t;
    t.start();
  }

  private void open(Socket client) {
    Socket upstream = new Socket();
    try {
      upstream.connect(target, 5_000);
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
    } catch (IOException e) {
      closeQuietly(client);
      closeQuietly(upstream);
      return;
    }
    Link link = new Link(client, upstream);
    links.add(link);
    link.start();
  }

  /** Refuses new connections (the port is closed: "connection refused"); live ones go on. */
  public synchronized void down() throws IOException {
    ServerSocket s = server;
    if (s != null) {
      server = null;
      s.close();
      // The JDK releases a listening socket only when the thread blocked in accept() has left it.
      try {
        acceptor.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Accepts connections again, on the same port. */
  public synchronized void up() throws IOException {
    if (server == null && !closed) {
      server = bind(port);
      startAccepting(server);
    }
  }

  /** Cuts every live connection at once (both directions, without a goodbye). */
  public void cutAll() {
    for (Link l : links) {
      l.cut();
    }
  }

  /** Arms a cut of the connection through which the next {@code bytes} client→server bytes pass. */
  public void cutAfterClientBytes(long bytes) {
    cutAfterClientBytes(bytes, false);
  }

  /**
   * As above; with {@code thenDown}, every live connection is cut and new ones refused from that
   * instant (an outage).
   */
  public void cutAfterClientBytes(long bytes, boolean thenDown) {
    downAfterByteCut = thenDown;
    bytesToCut.set(bytes);
  }

  /**
   * Arms a cut of the first connection whose client sends a packet holding {@code text}; with more
   * texts, each must have gone by on that connection, in order, before the last one cuts (e.g. the
   * publish's load-id insert, then COMMIT).
   */
  public void cutOnClientBytes(When when, String... texts) {
    pattern.set(
        new Pattern(
            java.util.Arrays.stream(texts).map(t -> t.getBytes(StandardCharsets.UTF_8)).toList(),
            when));
  }

  /** True while a cut is armed and has not fired yet. */
  public boolean armed() {
    return bytesToCut.get() >= 0 || pattern.get() != null;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    down();
    cutAll();
  }

  /** One client connection and its upstream twin, with a pump thread each way. */
  private final class Link {
    private final Socket client;
    private final Socket upstream;

    /** Replies are swallowed once the connection is doomed (in-doubt). */
    private volatile boolean deaf;

    private byte[] tail = new byte[0];

    /** How many steps of the armed pattern went by on this connection. */
    private int matched;

    private Pattern matching;

    Link(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void start() {
      thread(() -> pumpClientToServer(), "up");
      thread(() -> pumpServerToClient(), "down");
    }

    private void thread(Runnable r, String dir) {
      Thread t = new Thread(r, "tcp-proxy-" + port + "-" + dir);
      t.setDaemon(true);
      t.start();
    }

    private void pumpClientToServer() {
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = client.getInputStream();
          OutputStream out = upstream.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          Pattern p = pattern.get();
          if (p != null && fires(p, buf, n) && pattern.compareAndSet(p, null)) {
            cuts.incrementAndGet();
            if (p.when == When.AFTER_FORWARDING) {
              deaf = true;
              out.write(buf, 0, n);
              out.flush();
              // Give the server time to act on it (commit) before the line goes dead.
              Thread.sleep(300);
            }
            cut();
            return;
          }
          long left = bytesToCut.get();
          if (left >= 0) {
            long after = left - n;
            if (after <= 0 && bytesToCut.compareAndSet(left, -1)) {
              cuts.incrementAndGet();
              out.write(buf, 0, (int) left);
              out.flush();
              cut();
              if (downAfterByteCut) {
                // An outage: nothing new gets through and every pooled connection dies with this
                // one.
                down();
                cutAll();
              }
              return;
            }
            bytesToCut.compareAndSet(left, after);
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // a cut, or either side closed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        close();
      }
    }

    private void pumpServerToClient() {
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = upstream.getInputStream();
          OutputStream out = client.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (!deaf) {
            out.write(buf, 0, n);
            out.flush();
          }
        }
      } catch (IOException e) {
        // a cut, or either side closed
      } finally {
        close();
      }
    }

    /**
     * Advances this connection through the pattern's steps; true when this packet holds the last.
     */
    private boolean fires(Pattern p, byte[] buf, int n) {
      if (matching != p) {
        matching = p;
        matched = 0;
      }
      // This packet, with the end of the previous one in front (a step may straddle two reads).
      byte[] hay = new byte[tail.length + n];
      System.arraycopy(tail, 0, hay, 0, tail.length);
      System.arraycopy(buf, 0, hay, tail.length, n);
      int keep = Math.min(hay.length, 64);
      tail = java.util.Arrays.copyOfRange(hay, hay.length - keep, hay.length);
      if (matched < p.steps().size() && contains(hay, p.steps().get(matched))) {
        matched++;
        if (matched == p.steps().size()) {
          return true;
        }
        // a later step must come in a later packet
        tail = new byte[0];
        return false;
      }
      return false;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
      outer:
      for (int i = 0; i + needle.length <= hay.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (hay[i + j] != needle[j]) {
            continue outer;
          }
        }
        return true;
      }
      return false;
    }

    void cut() {
      try {
        // RST rather than FIN: the peer sees "connection reset", as when a network path dies.
        client.setSoLinger(true, 0);
        upstream.setSoLinger(true, 0);
      } catch (SocketException ignored) {
        // already closed
      }
      close();
    }

    void close() {
      links.remove(this);
      closeQuietly(client);
      closeQuietly(upstream);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
