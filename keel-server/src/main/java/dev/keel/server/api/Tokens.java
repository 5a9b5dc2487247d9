package dev.keel.server.api;

import dev.keel.store.Database;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * API tokens in {@code keel.api_token}. A token is 32 random bytes (base64url, prefixed {@code
 * keel_}); only its SHA-256 is stored, so a copy of the database does not hand out access. Tokens
 * are high-entropy, so an unsalted hash is enough (no password stretching needed).
 */
public final class Tokens {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String INSERT =
      "INSERT INTO keel.api_token (hash, role, note) VALUES (?, ?, ?)";
  private static final String ROLE =
      "SELECT role FROM keel.api_token WHERE hash = ? AND revoked_at IS NULL";

  private final Database db;

  public Tokens(Database db) {
    this.db = db;
  }

  /** Creates a token and returns it: the only time it is ever visible. */
  public String create(Role role, String note) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String token = "keel_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    db.inTransaction(
        "creating an API token",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, hash(token));
            ps.setString(2, role.label());
            ps.setString(3, note);
            return ps.executeUpdate();
          }
        });
    return token;
  }

  /** The role of a valid token; empty for an unknown or revoked one. */
  public Optional<Role> roleOf(String token) {
    return db.withConnection(
        "checking an API token",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(ROLE)) {
            ps.setString(1, hash(token));
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(Role.parse(rs.getString(1))) : Optional.empty();
            }
          }
        });
  }

  static String hash(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
