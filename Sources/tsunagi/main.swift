print("tsunagi")
