package dev.laborchestrator.nomad;

import dev.laborchestrator.nomad.VariableResource.Lock;
import dev.laborchestrator.nomad.VariableResource.Reply;
import dev.laborchestrator.nomad.VariableResource.Variable;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.Clock;
import dev.laborchestrator.port.RolloutLock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RolloutLock} over a Nomad Variable lock (Nomad 1.7+): {@code PUT
 * /v1/var/:path?lock-acquire}, {@code ?lock-renew} and {@code ?lock-release}. The holder and the
 * time it took the lock are the variable's items ({@value #HOLDER}, {@value #SINCE} in RFC 3339),
 * readable by anyone who may read the variable, in the Nomad UI too; the lock's ID, which renewing
 * and releasing need, is shown by Nomad only to its holder and to management tokens.
 *
 * <p>Nomad keeps a lock for up to twice its TTL after the last renewal, then for its lock delay,
 * before another holder can take it. Releasing also deletes the variable (at the index the release
 * answered), so that an absent variable means a free lock; a holder that died leaves its items
 * until the next acquire replaces them.
 *
 * <p>An acquire is repeated after a transient failure only after reading the variable again, and
 * always with the same lock ID, which this class chooses: Nomad takes a lock-acquire that carries
 * the ID of the lock the variable already holds as a repeat, so an acquire that landed but whose
 * answer was lost is not mistaken for someone else's lock.
 */
public final class NomadVariableLock implements RolloutLock {
  public static final String DEFAULT_PATH = "nomad/jobs/lab-orchestrator/lock";

  /** Nomad's own default: how long a lock that expired stays unavailable. */
  public static final Duration DEFAULT_LOCK_DELAY = Duration.ofSeconds(15);

  static final String HOLDER = "holder";
  static final String SINCE = "since";
  static final Duration MIN_TTL = Duration.ofSeconds(10);
  static final Duration MAX_TTL = Duration.ofHours(24);

  private static final Logger LOG = LoggerFactory.getLogger(NomadVariableLock.class);
  private static final int FORCE_RELEASE_ROUNDS = 5;

  private final VariableResource variable;
  private final Duration lockDelay;
  private final Clock clock;

  /** The rollout lock at {@value #DEFAULT_PATH} with Nomad's default lock delay of 15 s. */
  public NomadVariableLock(NomadConnection connection, Clock clock) {
    this(connection, DEFAULT_PATH, DEFAULT_LOCK_DELAY, clock);
  }

  /**
   * @param lockDelay how long an expired lock stays unavailable, 10 s to 24 h
   * @param clock gives the time recorded as {@value #SINCE}
   */
  public NomadVariableLock(
      NomadConnection connection, String path, Duration lockDelay, Clock clock) {
    this.variable = new VariableResource(connection, path);
    this.lockDelay = requireRange(lockDelay, "lockDelay");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * @param ttl 10 s to 24 h, Nomad's bounds
   * @throws Held when the lock is held, with the holder its variable records
   */
  @Override
  public Lease acquire(String holder, Duration ttl) {
    Objects.requireNonNull(holder, "holder");
    requireRange(ttl, "ttl");
    String id = UUID.randomUUID().toString();
    Instant since = clock.now().truncatedTo(ChronoUnit.SECONDS);
    Map<String, String> items = Map.of(HOLDER, holder, SINCE, since.toString());
    Lock lock = new Lock(goDuration(ttl), goDuration(lockDelay), id);
    AtomicInteger attempts = new AtomicInteger();
    AtomicBoolean oursLanded = new AtomicBoolean();
    return variable
        .retry()
        .run(
            () -> {
              if (attempts.getAndIncrement() > 0) {
                oursLanded.set(
                    variable.read().map(Variable::itemsOrEmpty).filter(items::equals).isPresent());
              }
              Reply reply = variable.lockAcquire(items, lock);
              if (reply.status() == 409) {
                throw held(oursLanded.get());
              }
              String granted = reply.variable().lockId();
              if (granted == null) {
                throw VariableResource.shape(
                    "PUT",
                    variable,
                    "no Lock.ID in the answer to lock-acquire: variable locks need Nomad 1.7+");
              }
              return new Lease(granted, holder, since, ttl);
            });
  }

  /**
   * @throws Lost when Nomad no longer knows the lease: the variable is gone, no longer locked, or
   *     locked under another ID
   */
  @Override
  public void renew(Lease lease) {
    variable
        .retry()
        .run(
            () -> {
              Reply reply = variable.lockOperation("lock-renew", lease.id());
              if (!reply.successful()) {
                throw new Lost(
                    "the rollout lock "
                        + variable.path()
                        + " was lost (HTTP "
                        + reply.status()
                        + " to lock-renew): it expired and may have been taken by someone else");
              }
              return null;
            });
  }

  /** Releases the lock and deletes its variable; a lease that Nomad no longer knows is fine. */
  @Override
  public void release(Lease lease) {
    Reply reply = variable.retry().run(() -> variable.lockOperation("lock-release", lease.id()));
    if (reply.successful()) {
      deleteReleased(reply);
    }
  }

  /**
   * The holder the lock variable records. After a clean release there is none; a holder that died
   * stays recorded until the next acquire, also once its lock has expired. {@code since} is null
   * when the variable does not carry a readable time.
   */
  @Override
  public Optional<Holder> holder() {
    return variable.retry().run(variable::read).flatMap(NomadVariableLock::holderOf);
  }

  /**
   * Frees the lock whoever holds it. Nomad has no override for a lock: releasing needs the lock's
   * ID (a lock-release without one is refused with 400, with another one 409) and a locked variable
   * cannot be deleted (409). Nomad shows the ID to management tokens only, so with a management
   * token this reads the ID, releases the lock with it and deletes the variable; with any other
   * token it can only delete a variable whose lock already expired, and otherwise fails with an
   * {@link ApiException} (409) that says to use a management token or to wait for the lock to
   * expire (up to twice its TTL after its holder's last renewal, plus the lock delay).
   */
  @Override
  public void forceRelease() {
    long lockedAt = -1;
    for (int round = 0; round < FORCE_RELEASE_ROUNDS; round++) {
      Optional<Variable> current = variable.retry().run(variable::read);
      if (current.isEmpty()) {
        return;
      }
      long index = current.get().modifyIndex();
      String lockId = current.get().lockId();
      if (lockId != null) {
        Reply released = variable.retry().run(() -> variable.lockOperation("lock-release", lockId));
        if (released.successful() && released.variable() != null) {
          index = released.variable().modifyIndex();
        }
      } else if (index == lockedAt) {
        throw lockedWithoutId(current.get());
      }
      long expected = index;
      Reply deleted = variable.retry().run(() -> variable.casDelete(expected));
      if (deleted.successful()) {
        return;
      }
      if (deleted.variable() == null || deleted.variable().zeroValue()) {
        lockedAt = index;
      }
    }
    throw new ApiException(
        409,
        "the rollout lock " + variable.path() + " kept changing while it was being removed",
        false,
        null);
  }

  @Override
  public String toString() {
    return "NomadVariableLock[" + variable.path() + "]";
  }

  private Held held(boolean oursLanded) {
    Optional<Holder> holder;
    try {
      holder = holder();
    } catch (ApiException e) {
      holder = Optional.empty();
    }
    String who =
        holder
            .map(h -> " by " + h.holder() + (h.since() == null ? "" : " since " + h.since()))
            .orElse("");
    String why =
        oursLanded
            ? ": an earlier attempt of this acquire took it but its answer was lost, and Nomad"
                + " did not accept it again; it expires after its TTL"
            : "";
    return new Held("the rollout lock " + variable.path() + " is held" + who + why, holder);
  }

  private void deleteReleased(Reply released) {
    if (released.variable() == null || released.variable().modifyIndex() <= 0) {
      return;
    }
    try {
      variable.casDelete(released.variable().modifyIndex());
    } catch (ApiException e) {
      LOG.info(
          "released the rollout lock {} but left its variable: {}",
          variable.path(),
          e.getMessage());
    }
  }

  private ApiException lockedWithoutId(Variable locked) {
    String who = holderOf(locked).map(h -> " (held by " + h.holder() + ")").orElse("");
    return new ApiException(
        409,
        "the rollout lock "
            + variable.path()
            + " is held"
            + who
            + " and Nomad shows the lock ID that releasing it needs only to management tokens:"
            + " run this with a management token, or wait until the lock expires (up to twice its"
            + " TTL after its holder's last renewal, plus the lock delay)",
        false,
        null);
  }

  private static Optional<Holder> holderOf(Variable variable) {
    String holder = variable.itemsOrEmpty().get(HOLDER);
    if (holder == null || holder.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(new Holder(holder, instant(variable.itemsOrEmpty().get(SINCE))));
  }

  private static Instant instant(String text) {
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** A duration as Go's time.ParseDuration reads it: "15s", or "1500ms" below whole seconds. */
  static String goDuration(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  private static Duration requireRange(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.compareTo(MIN_TTL) < 0 || duration.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException(
          name + " must be between 10s and 24h (Nomad's bounds), was " + duration);
    }
    return duration;
  }
}
