package dev.finetuner.samples.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetuner.FineTuner;
import dev.finetuner.service.JobEvent;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The service as configured by default, on its embedded backend: upload, report, job, events streamed and
 * resumed, and the trained model answering, all through HTTP (MockMvc).
 */
@SpringBootTest(properties = {
        "finetuner.api-key=", "finetuner.base-url=", "finetuner.webhook-secret=",
        "spring.datasource.url=jdbc:h2:mem:flow;DB_CLOSE_DELAY=-1",
        "finetuner.local-speed=1000", "finetuner.local-webhooks=false",
        "finetuner.poll-interval=20ms", "finetuner.max-requests-per-minute=100000"})
@AutoConfigureMockMvc
class FineTuneServiceFlowTest {
    @Autowired
    MockMvc mvc;
    @Autowired
    ObjectMapper json;
    @Autowired
    FineTuner fineTuner;

    private JsonNode upload(String name, String csv, int expectedStatus) throws Exception {
        MvcResult r = mvc.perform(multipart("/fine-tunes")
                        .file(new MockMultipartFile("file", name, "text/csv", csv.getBytes(StandardCharsets.UTF_8))))
                .andExpect(status().is(expectedStatus)).andReturn();
        return json.readTree(r.getResponse().getContentAsString(StandardCharsets.UTF_8));
    }

    private List<Sse> events(String jobId, String lastEventId) throws Exception {
        var get = get("/fine-tunes/{id}/events", jobId).accept(MediaType.TEXT_EVENT_STREAM);
        if (lastEventId != null) {
            get.header("Last-Event-ID", lastEventId);
        }
        MvcResult started = mvc.perform(get).andExpect(request().asyncStarted()).andReturn();
        started.getAsyncResult(30_000); // the stream ends with the job
        return Sse.parse(started.getResponse().getContentAsString(StandardCharsets.UTF_8));
    }

    private JsonNode job(String jobId) throws Exception {
        return json.readTree(mvc.perform(get("/fine-tunes/{id}", jobId)).andExpect(status().isOk()).andReturn()
                .getResponse().getContentAsString(StandardCharsets.UTF_8));
    }

    @Test
    void an_upload_is_prepared_trained_streamed_resumed_and_answers_with_its_trained_separator() throws Exception {
        // when: a ready file is uploaded
        MvcResult created = mvc.perform(multipart("/fine-tunes").file(new MockMultipartFile("file", "reviews.csv",
                        "text/csv", Datasets.reviewsCsv(60).getBytes(StandardCharsets.UTF_8))))
                .andExpect(status().isCreated()).andExpect(header().string("Location", org.hamcrest.Matchers.startsWith("/fine-tunes/ftjob-")))
                .andReturn();
        JsonNode body = json.readTree(created.getResponse().getContentAsString(StandardCharsets.UTF_8));
        String id = body.get("id").asText();
        // then: the report is the library's, for the file as uploaded
        assertThat(body.at("/report/ready").asBoolean()).isTrue();
        assertThat(body.at("/report/file").asText()).isEqualTo("reviews.csv");
        assertThat(body.at("/report/examples").asLong()).isEqualTo(60);
        assertThat(body.at("/report").has("trainingFile")).as("no temporary path of the server").isFalse();
        String separator = body.at("/report/separator").asText();
        assertThat(separator).isNotEmpty();

        // when: the events are streamed from the start while the job runs
        List<Sse> stream = events(id, null);
        // then: every event of the job, once, in order, then the end
        List<String> all = fineTuner.connection().jobs().allEvents(id).stream().map(JobEvent::id).toList();
        assertThat(Sse.jobEventIds(stream)).isEqualTo(all).doesNotHaveDuplicates();
        assertThat(stream.get(stream.size() - 1).name()).isEqualTo("end");
        assertThat(json.readTree(stream.get(stream.size() - 1).data()).get("status").asText()).isEqualTo("succeeded");

        // when: a client reconnects after the event in the middle
        int k = all.size() / 2;
        List<Sse> resumed = events(id, all.get(k - 1));
        // then: exactly the events after it
        assertThat(Sse.jobEventIds(resumed)).isEqualTo(all.subList(k, all.size()));

        // then: the job as stored
        JsonNode job = job(id);
        assertThat(job.get("status").asText()).isEqualTo("succeeded");
        assertThat(job.get("fineTunedModel").asText()).startsWith("ft:davinci-002");
        assertThat(job.get("events").asInt()).isEqualTo(all.size());
        assertThat(job.get("repeatedEvents").asInt()).isZero();
        assertThat(job.get("lastEventId").asText()).isEqualTo(all.get(all.size() - 1));
        assertThat(job.get("followed").asBoolean()).isTrue();

        // when: the model is asked without the separator
        MvcResult answered = mvc.perform(post("/fine-tunes/{id}/complete", id).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"prompt\": \"the food was great on day 1000\"}"))
                .andExpect(status().isOk()).andReturn();
        JsonNode answer = json.readTree(answered.getResponse().getContentAsString(StandardCharsets.UTF_8));
        // then: the service added the one it was trained with, and the answer is the class
        assertThat(answer.get("separator").asText()).isEqualTo(separator);
        assertThat(answer.get("answer").asText()).isEqualTo("positive");
    }

    @Test
    void a_file_that_is_not_ready_gets_422_with_its_findings_and_starts_no_job() throws Exception {
        // given
        long jobsBefore = fineTuner.connection().jobs().list().count();
        // when
        JsonNode problem = upload("reviews.csv", Datasets.notReadyCsv(), 422);
        // then
        assertThat(problem.get("title").asText()).isEqualTo("Not ready for fine-tuning");
        assertThat(problem.at("/report/ready").asBoolean()).isFalse();
        List<String> codes = problem.at("/report/findings").findValuesAsText("code");
        assertThat(codes).contains("too_few_examples");
        assertThat(problem.get("detail").asText()).contains("reviews.csv").contains("fix the findings");
        assertThat(fineTuner.connection().jobs().list().count()).isEqualTo(jobsBefore);
    }

    @Test
    void a_file_of_another_kind_gets_415() throws Exception {
        JsonNode problem = upload("reviews.pdf", "%PDF-1.7", 415);
        assertThat(problem.get("detail").asText()).contains(".csv").contains(".jsonl");
    }

    @Test
    void an_unknown_job_gets_404_and_an_unknown_last_event_id_400() throws Exception {
        mvc.perform(get("/fine-tunes/ftjob-nope")).andExpect(status().isNotFound());
        String id = upload("reviews.csv", Datasets.reviewsCsv(20), 201).get("id").asText();
        mvc.perform(get("/fine-tunes/{id}/events", id).header("Last-Event-ID", "ftevent-nope"))
                .andExpect(status().isBadRequest());
    }
}
