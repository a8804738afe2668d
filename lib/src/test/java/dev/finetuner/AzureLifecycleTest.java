package dev.finetuner;

import dev.finetuner.local.LocalOpenAi;
import dev.finetuner.service.AzureOptions;
import dev.finetuner.service.DeployOptions;
import dev.finetuner.service.DeploymentState;
import dev.finetuner.service.FollowOptions;
import dev.finetuner.service.RetryPolicy;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The whole loop on Azure, offline: the embedded backend in Azure mode serves the data plane under
 * {@code /openai/...} and the management API's deployments on the same port, and answers completions of a
 * trained model only through a ready deployment, as Azure does.
 */
class AzureLifecycleTest {
    private static final Path HELPDESK = Path.of("../samples/data/helpdesk.csv");
    private static final String QUESTION = "My VPN keeps disconnecting every hour, what can I do?";

    private static FineTuner fineTuner(AzureOptions azure) {
        return FineTuner.builder().azure(azure)
                .retry(RetryPolicy.builder().initialBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(50)).build())
                .follow(FollowOptions.defaults().withInterval(Duration.ofMillis(10)).withMaxRequestsPerMinute(100_000))
                .build();
    }

    private static AzureOptions.Builder azure(LocalOpenAi local) {
        return AzureOptions.builder(local.azureEndpoint()).apiKey("azure-test-key")
                .management("sub-1", "rg-helpdesk", "my-resource", () -> "arm-token")
                .managementUrl(local.azureEndpoint());
    }

    private static DeployOptions fast() {
        return DeployOptions.defaults().withSku("Developer").withPollInterval(Duration.ofMillis(5))
                .withTimeout(Duration.ofSeconds(30));
    }

    @Test
    void the_one_liner_trains_on_azure_and_the_model_answers_only_once_deployed() {
        try (LocalOpenAi local = LocalOpenAi.builder().azure().apiKey("azure-test-key").speed(LocalOpenAi.FAST).build();
             FineTuner ft = fineTuner(azure(local).build())) {
            // given: a model trained on Azure, as the design card's one-liner trains it
            TrainedModel model = ft.prepare(HELPDESK, PrepareOptions.defaults()).train("curie");
            // then: it is not served under its own id, as on Azure (a fresh model's wait does not hide that)
            TrainedModel byId = ft.model(model.id());
            assertThatThrownBy(() -> byId.complete(QUESTION)).isInstanceOf(ApiException.class)
                    .hasMessageContaining("404 DeploymentNotFound");
            // when
            TrainedModel live = model.deploy("helpdesk-ft", fast());
            // then: called by the deployment's name, with the separator and stop it was trained with
            assertThat(live.deploymentName()).contains("helpdesk-ft");
            assertThat(live.deployment().orElseThrow().state()).isEqualTo(DeploymentState.SUCCEEDED);
            assertThat(live.deployment().orElseThrow().model()).isEqualTo(model.id());
            assertThat(live.client().target()).isEqualTo("helpdesk-ft");
            assertThat(live.format()).isEqualTo(model.format());
            String answer = live.complete(QUESTION);
            assertThat(answer).isNotBlank().doesNotContain("\n").doesNotContain("###");
            // and: undeployed, it answers 404 again
            assertThat(live.undeploy()).isTrue();
            assertThatThrownBy(() -> live.atDeployment("helpdesk-ft").complete(QUESTION))
                    .isInstanceOf(ApiException.class).hasMessageContaining("DeploymentNotFound");
            assertThat(ft.connection().azureDeployments().orElseThrow().list()).isEmpty();
        }
    }

    @Test
    void the_classic_paths_with_an_api_version_and_token_authentication_run_the_same_flow() {
        AtomicInteger tokens = new AtomicInteger();
        try (LocalOpenAi local = LocalOpenAi.builder().azure().speed(LocalOpenAi.FAST).build();
             FineTuner ft = fineTuner(azure(local).tokens(() -> "entra-token-" + tokens.incrementAndGet())
                     .apiVersion("2024-10-21").build())) {
            // given
            TrainedModel model = ft.prepare(HELPDESK, PrepareOptions.defaults()).train("davinci-002");
            int afterTraining = tokens.get();
            // when
            TrainedModel live = model.deploy("helpdesk-classic", fast());
            String answer = live.complete(QUESTION);
            // then: each request asked the supplier for a token, and a deployment found by name answers the same
            assertThat(afterTraining).isGreaterThan(3);
            assertThat(answer).isNotBlank();
            assertThat(ft.deployment("helpdesk-classic").complete(QUESTION)).isEqualTo(answer);
            assertThat(ft.connection().toString()).doesNotContain("entra-token");
            live.undeploy();
        }
    }

    @Test
    void deploying_a_model_the_resource_does_not_have_fails_with_the_management_apis_error() {
        try (LocalOpenAi local = LocalOpenAi.builder().azure().speed(LocalOpenAi.FAST).build();
             FineTuner ft = fineTuner(azure(local).build())) {
            // given
            TrainedModel unknown = ft.model("ft:davinci-002:acme::nope");
            // when / then
            assertThatThrownBy(() -> unknown.deploy("nope", fast())).isInstanceOf(ApiException.class)
                    .hasMessageContaining("400 DeploymentModelNotSupported");
        }
    }

    @Test
    void deploying_without_management_settings_says_what_to_configure() {
        try (LocalOpenAi local = LocalOpenAi.builder().azure().speed(LocalOpenAi.FAST).build();
             FineTuner ft = fineTuner(AzureOptions.builder(local.azureEndpoint()).apiKey("k").build())) {
            // when / then
            assertThatThrownBy(() -> ft.model("ft:davinci-002:acme::x").deploy("x1", fast()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("management(subscription");
        }
    }
}
