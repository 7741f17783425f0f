"""The test credentials, written once: the demo PKI's password and a remote signing service's PIN and token.

The PIN and token are distinctive so that a test can look for them in logs and answers (they must never leak).
"""

PKI_PASSWORD = "test-password"
CSC_PIN = "secret-pin-24680"
CSC_TOKEN = "csc-token-7f3a9e"
