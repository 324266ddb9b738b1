#include "chokepoint/app/app.hpp"

int main(int argc, char** argv) { return chokepoint::run_app(argc, argv); }
