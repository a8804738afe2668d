package dev.finetuner.samples.service;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** An answer other than success, as an RFC 9457 problem: what went wrong and what to do. */
class ApiError extends ErrorResponseException {
    ApiError(HttpStatus status, String title, String detail) {
        super(status, problem(status, title, detail), null);
    }

    ApiError(ProblemDetail problem) {
        super(HttpStatus.valueOf(problem.getStatus()), problem, null);
    }

    private static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        return p;
    }
}
