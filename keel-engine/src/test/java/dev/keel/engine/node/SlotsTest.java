package dev.keel.engine.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.store.ClaimedTask;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlotsTest {
  private static ClaimedTask task(long fence) {
    return new ClaimedTask(fence, 1, "orders", 1, "p" + fence, 1, 3, fence);
  }

  @Test
  void a_claim_takes_no_more_slots_than_are_free_and_gives_back_what_it_did_not_fill() {
    Slots slots = new Slots(3);
    assertThat(slots.take(5)).isEqualTo(3);
    assertThat(slots.take(1)).isZero();
    slots.release(2);
    assertThat(slots.anyFree()).isTrue();
    assertThat(slots.take(5)).isEqualTo(2);
  }

  @Test
  void a_slot_handed_over_to_a_claim_is_not_freed_when_its_task_ends() {
    Slots slots = new Slots(2);
    ClaimedTask a = task(1);
    ClaimedTask b = task(2);
    assertThat(slots.take(2)).isEqualTo(2);
    assertThat(slots.handOver(List.of(a, b), 1)).isEqualTo(1);
    slots.ended(a);
    slots.ended(b);
    assertThat(slots.take(2)).as("a's slot went to the claim; only b's is free").isEqualTo(1);
  }

  @Test
  void a_failed_statement_gives_the_finishing_tasks_their_slots_back() {
    Slots slots = new Slots(1);
    ClaimedTask a = task(1);
    assertThat(slots.take(1)).isEqualTo(1);
    assertThat(slots.handOver(List.of(a), 1)).isEqualTo(1);
    assertThat(slots.takeBack(List.of(a))).isEqualTo(1);
    slots.ended(a);
    assertThat(slots.take(1)).isEqualTo(1);
  }

  @Test
  void no_claim_begins_once_stopped_and_claims_in_flight_are_counted() {
    Slots slots = new Slots(1);
    assertThat(slots.beginClaim()).isTrue();
    assertThat(slots.claimsInFlight()).isEqualTo(1);
    slots.stop();
    assertThat(slots.beginClaim()).isFalse();
    assertThat(slots.claimsInFlight()).isEqualTo(1);
    slots.endClaim();
    assertThat(slots.claimsInFlight()).isZero();
  }
}
