package dev.keel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StepTest {
  @Test
  void the_sink_side_steps_are_the_ones_that_talk_to_the_sink() {
    assertThat(Arrays.stream(Step.values()).filter(Step::sinkSide).map(Step::toString))
        .containsExactlyInAnyOrder(
            "fencing the partition at the sink",
            "starting to stage into the sink",
            "reading the checkpoint",
            "staging rows",
            "publishing a chunk",
            "publishing");
  }

  @Test
  void an_attempt_timeout_does_not_interrupt_a_publish() {
    assertThat(Arrays.stream(Step.values()).filter(Step::publishing).map(Step::toString))
        .allMatch(text -> text.startsWith("publish"));
    assertThat(Arrays.stream(Step.values()).filter(s -> !s.publishing()).map(Step::toString))
        .noneMatch(text -> text.startsWith("publish"));
  }
}
