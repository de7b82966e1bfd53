async def handle(context):
    return "Hello world"
