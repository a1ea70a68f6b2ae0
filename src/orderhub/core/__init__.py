"""Small building blocks shared by the domain apps (tokens, encryption, problem details)."""
