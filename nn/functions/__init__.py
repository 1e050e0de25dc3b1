"""The newer parts of ``nn.functional``, one concept per file; ``nn.functional`` re-exports them."""
