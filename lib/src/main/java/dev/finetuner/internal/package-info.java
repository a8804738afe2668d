/** Code the other packages share and users must not depend on: it may change in any release. */
package dev.finetuner.internal;
