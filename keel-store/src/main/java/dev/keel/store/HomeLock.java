package dev.keel.store;

import dev.keel.KeelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exclusive lock on {@code KEEL_HOME/keel.lock}, held only while a process decides to start,
 * adopt or stop the embedded PostgreSQL and changes the users list: two processes starting at once
 * cannot both start a server, and the last one out cannot stop it while another is adopting it. A
 * file lock belongs to the whole JVM (a second {@code lock()} in it throws), so threads of one JVM
 * queue on a {@link ReentrantLock} per folder first.
 */
final class HomeLock implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HomeLock.class);
  private static final Map<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

  private final ReentrantLock jvmLock;
  private final FileChannel channel;
  private final FileLock lock;

  private HomeLock(ReentrantLock jvmLock, FileChannel channel, FileLock lock) {
    this.jvmLock = jvmLock;
    this.channel = channel;
    this.lock = lock;
  }

  static HomeLock acquire(Path home, Duration wait) throws IOException {
    Instant deadline = Instant.now().plus(wait);
    ReentrantLock jvmLock = IN_JVM.computeIfAbsent(home, h -> new ReentrantLock());
    try {
      if (!jvmLock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new KeelException(
            "KEEL_HOME "
                + home
                + " stayed locked by another thread of this process for "
                + wait.toSeconds()
                + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KeelException("interrupted while waiting for KEEL_HOME " + home);
    }
    FileChannel channel = null;
    try {
      Path lockFile = home.resolve("keel.lock");
      channel =
          FileChannel.open(
              lockFile,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      FileLock lock = waitFor(channel, lockFile, deadline, wait);
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)),
          0);
      return new HomeLock(jvmLock, channel, lock);
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        channel.close();
      }
      jvmLock.unlock();
      throw e;
    }
  }

  private static FileLock waitFor(
      FileChannel channel, Path lockFile, Instant deadline, Duration wait) throws IOException {
    boolean told = false;
    while (true) {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return lock;
      }
      String holder = Files.readString(lockFile, StandardCharsets.UTF_8).strip();
      if (Instant.now().isAfter(deadline)) {
        throw new KeelException(
            "KEEL_HOME "
                + lockFile.getParent()
                + " is in use by another keel process (pid "
                + holder
                + ") that kept its lock for over "
                + wait.toSeconds()
                + " s (an older keel holds it for as long as it runs); "
                + "wait for it to finish, or set KEEL_HOME to another folder");
      }
      if (!told) {
        log.info(
            "KEEL_HOME {} is locked by keel process {} (starting or stopping its PostgreSQL); waiting up to {} s",
            lockFile.getParent(),
            holder,
            wait.toSeconds());
        told = true;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KeelException("interrupted while waiting for KEEL_HOME " + lockFile.getParent());
      }
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      log.debug("releasing the KEEL_HOME lock failed", e);
    } finally {
      jvmLock.unlock();
    }
  }
}
