fn main() {
    mq_playground::start();
}
