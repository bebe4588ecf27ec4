"""Sites and the practice they make up."""
