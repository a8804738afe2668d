package dev.finetuner.validation;

import dev.finetuner.dataset.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Statistics of two halves of a dataset, merged, are those of one read: a reader can work in parts. */
class DatasetStatsMergeTest {
    @TempDir
    Path dir;

    private static String pc(String prompt, String completion) {
        return "{\"prompt\":\"" + prompt + "\",\"completion\":\"" + completion + "\"}";
    }

    /** Classification data with what merging must get right: repeats within and across the halves. */
    private Path file() throws IOException {
        String[] classes = {" yes", " no", " maybe"};
        List<String> lines = new ArrayList<>();
        IntStream.range(0, 30).forEach(i -> lines.add(pc("QUESTION NUMBER " + i + " ->", classes[i % 3])));
        lines.set(4, pc("question 4 ->", " "));                           // invalid
        lines.set(7, "{\"prompt\":\"q7 ->\",\"completion\":\" yes\",\"note\":\"x\"}");
        lines.set(9, "{not json");                                       // a record the reader drops
        lines.set(12, lines.get(2));                                     // a repeat within the first half
        lines.set(18, lines.get(3));                                     // a repeat across the halves
        lines.set(20, lines.get(4));                                     // an invalid repeat across the halves
        lines.set(22, pc("question 22 ->", " rare"));                    // first of its class, repeated next
        lines.set(25, lines.get(22));                                    // a repeat within the second half
        lines.set(27, "{\"prompt\":\"q27 ->\",\"completion\":\" no\",\"other\":\"y\",\"note\":\"z\"}");
        lines.set(28, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"ho\"}]}");
        return Files.writeString(dir.resolve("t.jsonl"), lines.stream().collect(Collectors.joining("\n", "", "\n")));
    }

    @Test
    void two_halves_merged_give_the_statistics_findings_and_plan_of_one_read() throws IOException {
        List<Object> events = new ArrayList<>();
        Dataset.read(file()).stream(events::add).forEach(events::add);
        for (Validator v : List.of(Validator.standard(), Validator.builder().repair(Repair.RECOMMENDED).build(),
                Validator.builder().repair(EnumSet.allOf(Repair.class)).maxFindingsPerCode(1).build())) {
            for (int cut : List.of(0, 10, 15, 21, events.size())) {
                // given: one read, and two reads of the halves merged
                FirstPass whole = new FirstPass(v);
                whole.fill(events);
                FirstPass first = new FirstPass(v);
                first.fill(events.subList(0, cut));
                FirstPass second = new FirstPass(v);
                second.fill(events.subList(cut, events.size()));
                // when
                first.stats.merge(second.stats);
                // then
                String where = v + " cut at " + cut;
                assertSame(where, first, whole);
            }
        }
    }

    private static void assertSame(String where, FirstPass merged, FirstPass whole) {
        DatasetStats m = merged.stats;
        DatasetStats w = whole.stats;
        assertThat(m.records).as(where).isEqualTo(w.records);
        assertThat(m.unreadable).as(where).isEqualTo(w.unreadable);
        assertThat(m.shapeCounts).as(where).isEqualTo(w.shapeCounts);
        assertThat(m.shapeFirstLine).as(where).isEqualTo(w.shapeFirstLine);
        assertThat(m.keptByShape).as(where).isEqualTo(w.keptByShape);
        assertThat(m.strataByShape).as(where).isEqualTo(w.strataByShape);
        assertThat(m.classes).as(where).isEqualTo(w.classes);
        assertThat(m.invalids).as(where).isEqualTo(w.invalids);
        assertThat(m.repeats).as(where).isEqualTo(w.repeats);
        assertThat(List.copyOf(m.extraColumns)).as(where).isEqualTo(List.copyOf(w.extraColumns));
        assertThat(m.promptSuffix).as(where).isEqualTo(w.promptSuffix);
        assertThat(m.completionPrefix).as(where).isEqualTo(w.completionPrefix);
        assertThat(m.promptUpper).as(where).isEqualTo(w.promptUpper);
        // the plan and every finding, in order, come out the same
        Planning pm = merged.plan();
        Planning pw = whole.plan();
        assertThat(pm.task).as(where).isEqualTo(pw.task);
        assertThat(pm.plan.build()).as(where).isEqualTo(pw.plan.build());
        assertThat(merged.findings.listed()).as(where).isEqualTo(whole.findings.listed());
        assertThat(merged.findings.counts()).as(where).isEqualTo(whole.findings.counts());
        assertThat(merged.findings.blocking()).as(where).isEqualTo(whole.findings.blocking());
        // repeats are reported after pass 2, each with the line of its first occurrence
        List<String> rm = new ArrayList<>();
        List<String> rw = new ArrayList<>();
        m.forEachRepeat((line, first) -> rm.add(line + " repeats " + first));
        w.forEachRepeat((line, first) -> rw.add(line + " repeats " + first));
        assertThat(rm).as(where).isEqualTo(rw).isNotEmpty();
    }

    @Test
    void merging_statistics_read_with_other_settings_is_refused() {
        // given
        Findings f = new Findings(java.util.Set.of(), 10);
        DatasetStats a = new DatasetStats(true, true, f);
        DatasetStats b = new DatasetStats(true, false, f);
        // when, then
        assertThatThrownBy(() -> a.merge(b))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
