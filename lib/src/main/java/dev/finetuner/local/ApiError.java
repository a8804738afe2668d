package dev.finetuner.local;

import java.util.Map;

/**
 * An error answered in the API's shape: {@code {"error":{"message","type","param","code"}}}.
 * Thrown by handlers; the router turns it into the response.
 */
final class ApiError extends RuntimeException {
    static final String INVALID_REQUEST = "invalid_request_error";

    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Map<String, String> headers;

    ApiError(int status, String message, String type, String param, String code, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    static ApiError badRequest(String message, String param, String code) {
        return new ApiError(400, message, INVALID_REQUEST, param, code, Map.of());
    }

    static ApiError badRequest(String message, String param) {
        return badRequest(message, param, null);
    }

    static ApiError notFound(String message, String param, String code) {
        return new ApiError(404, message, INVALID_REQUEST, param, code, Map.of());
    }

    static ApiError invalidUrl(String method, String path) {
        return notFound("Invalid URL (" + method + " " + path + ")", null, null);
    }

    static ApiError missing(String param) {
        return badRequest("Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }

    String param() {
        return param;
    }

    String code() {
        return code;
    }

    Map<String, String> headers() {
        return headers;
    }
}
