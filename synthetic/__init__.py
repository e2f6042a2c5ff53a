"""Synthetic SageMaker training jobs: the input jobtracker meets in AWS, made up.

The "Training Job State Change" events and DescribeTrainingJob answers SageMaker would
send (`events`), the Lambda payloads and context they arrive in (`lambda_events`), and the
table the ordering rule says a delivery of them must leave (`expected`). The local
stack's demo and soak, the benchmarks and the tests all build on it; it imports nothing
of the tests.
"""
