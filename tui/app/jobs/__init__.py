"""After the submit: following one job, the jobs list, and what they show of a job."""
