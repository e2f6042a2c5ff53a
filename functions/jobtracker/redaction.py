"""What the record keeps of the user's own maps, which often carry credentials.

Anyone allowed to call the API reads the record, so it must not hand out what SageMaker
itself shows only to `sagemaker:DescribeTrainingJob`:

- `Environment`: the variable names are kept, every value becomes "***", unless the
  stack is deployed with `store_environment_values`.
- Hyperparameters (and the other parameter maps: debugger hooks and rules, profiling):
  kept, but the value of a key that names a secret becomes "***".

Applied while the record is built, so the order key, the digest and the alert all see
the record as it is stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

REDACTED = "***"
# "token" names a credential (`hf_token`, `githubToken`), but not in the words of language
# model training: `max_tokens`, `max_new_tokens` and `tokenizer` are ordinary
# hyperparameters a user needs to see, so the plural and `tokeniz`/`tokenis` are not
# secrets.
SECRET_KEY = re.compile(
    r"password|passwd|secret|token(?!s(?![a-z])|i[sz])|api[_-]?key|access[_-]?key|credential",
    re.IGNORECASE,
)


class Redaction(NamedTuple):
    keep_environment_values: bool = False

    def user_map(
        self, key: str, values: Mapping[Any, Any], clean: Callable[[Any], Any]
    ) -> dict[str, Any]:
        """One of the record's user maps (`key` its SDK name); `clean` makes a kept value
        storable."""
        if key == "Environment" and not self.keep_environment_values:
            return {str(name): REDACTED for name in values}
        if key == "Environment":
            return {str(name): clean(value) for name, value in values.items()}
        return {
            str(name): REDACTED if SECRET_KEY.search(str(name)) else clean(value)
            for name, value in values.items()
        }


REDACT = Redaction()
