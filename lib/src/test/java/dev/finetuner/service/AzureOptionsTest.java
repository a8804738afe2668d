package dev.finetuner.service;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What {@link AzureOptions} accepts, refuses, and shows. */
class AzureOptionsTest {
    @Test
    void an_endpoint_given_with_its_openai_path_is_taken_as_the_resource() {
        // when
        AzureOptions v1 = AzureOptions.builder("https://my-resource.openai.azure.com/openai/v1/").apiKey("k-123456").build();
        AzureOptions classic = AzureOptions.builder("https://my-resource.openai.azure.com/openai").apiKey("k-123456")
                .apiVersion("2024-10-21").build();
        // then
        assertThat(v1.endpoint()).isEqualTo("https://my-resource.openai.azure.com");
        assertThat(v1.classicPaths()).isFalse();
        assertThat(classic.endpoint()).isEqualTo("https://my-resource.openai.azure.com");
        assertThat(classic.apiVersion()).contains("2024-10-21");
    }

    @Test
    void a_wrong_endpoint_api_version_or_deployment_setting_is_refused_with_an_example() {
        assertThatThrownBy(() -> AzureOptions.builder("my-resource.openai.azure.com"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https://my-resource.openai.azure.com");
        assertThatThrownBy(() -> AzureOptions.builder("https://x.openai.azure.com").apiVersion("v1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2024-10-21");
        assertThatThrownBy(() -> AzureOptions.builder("https://x.openai.azure.com").management("sub", "a/b", "acct", () -> "t"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resourceGroup");
        assertThatThrownBy(() -> DeployOptions.defaults().withCapacity(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeployOptions.defaults().withSku("Standard x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void the_options_print_without_the_key_and_a_blank_token_is_an_error_naming_the_supplier() {
        // given
        AzureOptions keyed = AzureOptions.builder("https://x.openai.azure.com").apiKey("secret-key-0123456789")
                .management("sub", "rg", "acct", () -> "arm-0123456789").build();
        AzureOptions blank = AzureOptions.builder("https://x.openai.azure.com").tokens(() -> " ").build();
        // then
        assertThat(keyed.toString()).doesNotContain("secret-key").doesNotContain("arm-0123456789")
                .contains("v1 paths").contains("account acct in rg");
        assertThat(keyed.canDeploy()).isTrue();
        assertThatThrownBy(blank::authHeader).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("token supplier gave no token");
    }

    @Test
    void unknown_provisioning_states_are_kept_and_not_finished() {
        // when
        DeploymentState upgrading = DeploymentState.of("Upgrading");
        // then
        assertThat(upgrading.asString()).isEqualTo("Upgrading");
        assertThat(upgrading.isReady()).isFalse();
        assertThat(upgrading.isFailed()).isFalse();
        assertThat(DeploymentState.of("succeeded")).isSameAs(DeploymentState.SUCCEEDED);
        assertThat(DeploymentState.of("Canceled").isFailed()).isTrue();
    }
}
