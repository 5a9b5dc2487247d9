package dev.keel.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;

/**
 * A loopback TCP proxy (netcrusher) in front of one PostgreSQL, through which the chaos nodes reach
 * their metadata and sink database: {@link #cut} breaks every connection and refuses new ones until
 * {@link #restore}, as a network partition between the nodes and the database would; {@link
 * #freeze} holds the traffic without closing anything, as a partition that only loses packets.
 */
public final class CutProxy implements AutoCloseable {
  private final NioReactor reactor;
  private final TcpCrusher crusher;
  private final int port;

  private CutProxy(NioReactor reactor, TcpCrusher crusher, int port) {
    this.reactor = reactor;
    this.crusher = crusher;
    this.port = port;
  }

  /**
   * A proxy for the PostgreSQL a single-host JDBC URL names ({@code
   * jdbc:postgresql://host[:port]/...}).
   */
  public static CutProxy forJdbcUrl(String url) throws IOException {
    URI uri = uri(url);
    int target = uri.getPort() < 0 ? 5432 : uri.getPort();
    int port = freePort();
    NioReactor reactor = new NioReactor();
    try {
      TcpCrusher crusher =
          TcpCrusherBuilder.builder()
              .withReactor(reactor)
              .withBindAddress(InetAddress.getLoopbackAddress().getHostAddress(), port)
              .withConnectAddress(uri.getHost(), target)
              .withTcpNoDelay(true)
              .buildAndOpen();
      return new CutProxy(reactor, crusher, port);
    } catch (RuntimeException e) {
      reactor.close();
      throw e;
    }
  }

  /** Whether a URL names one host, which this proxy can stand in front of. */
  public static boolean singleHost(String url) {
    try {
      URI u = uri(url);
      return u.getHost() != null && !u.getAuthority().contains(",");
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static URI uri(String url) {
    if (!url.startsWith("jdbc:postgresql://")) {
      throw new IllegalArgumentException("not a jdbc:postgresql:// URL");
    }
    return URI.create(url.substring("jdbc:".length()));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** {@code url} with its host and port replaced by this proxy's. */
  public String jdbcUrl(String url) {
    URI u = uri(url);
    String authority = u.getRawAuthority();
    String rest = url.substring(url.indexOf(authority) + authority.length());
    String userInfo = u.getRawUserInfo() == null ? "" : u.getRawUserInfo() + "@";
    return "jdbc:postgresql://" + userInfo + "127.0.0.1:" + port + rest;
  }

  /** Cuts every live connection at once and refuses new ones ("connection refused"). */
  public synchronized void cut() {
    if (crusher.isOpen()) {
      crusher.close();
    }
  }

  /** Accepts connections again, on the same port. */
  public synchronized void restore() {
    if (!crusher.isOpen()) {
      try {
        crusher.open();
      } catch (RuntimeException e) {
        throw new UncheckedIOException(
            new IOException("could not listen on port " + port + " again", e));
      }
    }
  }

  /**
   * Stops every byte both ways, and new connections wait unaccepted, without closing anything: a
   * network partition as the peers see it (packets lost, sockets open, no reset) until {@link
   * #unfreeze}.
   */
  public synchronized void freeze() {
    crusher.freeze();
  }

  /** Lets the traffic a {@link #freeze} held go on. */
  public synchronized void unfreeze() {
    crusher.unfreeze();
  }

  public int port() {
    return port;
  }

  @Override
  public synchronized void close() {
    if (crusher.isOpen()) {
      crusher.close();
    }
    reactor.close();
  }
}
