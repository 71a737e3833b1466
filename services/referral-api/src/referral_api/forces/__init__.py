"""A police force's configuration of the scheme."""
