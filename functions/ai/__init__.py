"""AI functions: course generation, recommendations, project assignments, feedback."""
