"""Officers known per force: whom a force system may name as the officer it acts for."""
