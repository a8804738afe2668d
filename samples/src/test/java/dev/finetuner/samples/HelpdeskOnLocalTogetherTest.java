package dev.finetuner.samples;

import dev.finetuner.local.LocalOpenAi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one-liner and the helpdesk sample, each in its own JVM whose environment names Together AI, against
 * the embedded backend in Together mode: what {@link HelpdeskOnTogetherTest} shows on stubs, here on a
 * backend that really trains, checks the file as Together does and answers by the job's output name.
 */
class HelpdeskOnLocalTogetherTest {
    private static final String MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference";
    private static final String KEY = "tgp_v1_local-key-0123456789";

    private LocalOpenAi local;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        local = LocalOpenAi.builder().together().apiKey(KEY).speed(LocalOpenAi.FAST).build();
    }

    @AfterEach
    void stop() {
        local.close();
    }

    private ChildJvm.Run java(Class<?> mainClass, String... args) throws Exception {
        return ChildJvm.run(dir, Map.of("TOGETHER_API_KEY", KEY, "TOGETHER_BASE_URL", local.baseUrl()), mainClass, args);
    }

    @Test
    void the_one_liner_trains_on_the_embedded_together_backend_from_the_environment() throws Exception {
        // when
        ChildJvm.Run run = java(TogetherOneLiner.class, Samples.dataFile(new String[0], "helpdesk.csv").toString(), MODEL);
        // then: the model is the job's output name, and it answers with what it was trained on, stop removed
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("model: local/Meta-Llama-3\\.1-8B-Instruct-Reference-\\S+")
                .containsPattern("answer: \\S+").doesNotContain(" END");
    }

    @Test
    void the_helpdesk_sample_runs_every_step_on_the_embedded_together_backend() throws Exception {
        // when
        ChildJvm.Run run = java(Helpdesk.class);
        // then
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Backend: Together AI at " + local.baseUrl())
                .contains("Estimate the cost on " + MODEL).containsPattern("job ft-[0-9a-f-]+ started")
                .contains("Model: local/").contains("A: ");
    }
}
