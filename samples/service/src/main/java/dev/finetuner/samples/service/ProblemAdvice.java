package dev.finetuner.samples.service;

import dev.finetuner.ApiException;
import dev.finetuner.DatasetException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error as an RFC 9457 problem body: Spring's own and this service's {@link ApiError}s through the base class,
 * and the library's typed errors here (a file it cannot read is the client's to fix, an API error is not).
 */
@RestControllerAdvice
class ProblemAdvice extends ResponseEntityExceptionHandler {
    @ExceptionHandler(DatasetException.class)
    ProblemDetail unreadable(DatasetException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        p.setTitle("Unreadable dataset");
        return p;
    }

    @ExceptionHandler(ApiException.class)
    ProblemDetail upstream(ApiException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY, e.getMessage());
        p.setTitle("The fine-tuning API failed");
        return p;
    }
}
