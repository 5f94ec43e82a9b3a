// The JSON part of a consent_detect.js "scan" (the handle it returned): what it found.
(answer) => answer.result
